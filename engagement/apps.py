from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"

    def ready(self) -> None:
        # Engagement events for what communities signals (circle attendance).
        from engagement import receivers  # noqa: F401

        # How drift reminders and digests read, in the app and by email.
        from engagement.drift_reminders import register

        register()
