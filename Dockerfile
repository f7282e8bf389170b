# MiiWrap: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext provides msgfmt for `manage.py compilemessages`.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first so code changes do not invalidate this layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .

# Build-time steps only need settings to import: a throwaway key scoped to these RUN
# lines (not an ENV/ARG, so it never reaches the final image). DEBUG stays off so the
# production settings are the ones exercised.
RUN DEBUG=0 SECRET_KEY=build-time-only-not-secret python manage.py collectstatic --no-input \
    && if find . -name '*.po' -not -path './staticfiles/*' | grep -q .; then \
        DEBUG=0 SECRET_KEY=build-time-only-not-secret python manage.py compilemessages; \
    else \
        echo "No .po files: skipping compilemessages"; \
    fi

# Run as an unprivileged user; the code stays root-owned and read-only for it.
RUN useradd --system --create-home --home-dir /home/app --uid 10001 --user-group app
USER app

EXPOSE 8000

CMD ["gunicorn", "miiwrap.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
