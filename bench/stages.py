"""Helpers shared by the benchmarks that time one stage of the document pipeline."""

import resource
import time


def cpu_seconds() -> float:
    """CPU seconds of this process (every thread: onnxruntime's too) and of the subprocesses it waited for
    (``tesseract``, the PDF page processes). ``os.times()`` would count in ticks of 10 ms."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def extraction_only() -> None:
    """The stage measured is extraction: the consumers downstream of ``document.processed`` (chat indexing,
    notes) are other stages, run by other workers in a deployment and measured by bench/chat and
    bench/generation. With eager jobs and the in-process bus they would otherwise run inside the upload call."""
    from eventbus.subscriptions import groups_for, handlers_for, unsubscribe

    for group in groups_for("document.processed"):
        for handler in handlers_for(group, "document.processed"):
            unsubscribe("document.processed", group=group, handler=handler)
