from django.apps import AppConfig


class ReflectionsConfig(AppConfig):
    name = "reflections"
    verbose_name = "Reflections"

    def ready(self) -> None:
        from reflections import receivers  # noqa: F401  (connects the signal receivers)
