from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Each app registers its job kinds in ``apps/<ctx>/job_handlers.py`` with ``@job_handler``.
        autodiscover_modules("job_handlers")
