"""qc-engine: quality control and compliance auditing for shop customer-service chats."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qc-engine")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from qc_engine.hookspecs import hookimpl  # noqa: E402
from qc_engine.ingest.loaders import Loader, LoadOptions  # noqa: E402
from qc_engine.model import Conversation, Derivation, Finding, Message, Metric, MetricSet, RawRecord, Rejected  # noqa: E402
from qc_engine.audit.rule import Figures, Rule  # noqa: E402

__all__ = [
    "__version__",
    "hookimpl",
    "Conversation",
    "Derivation",
    "Figures",
    "Finding",
    "Loader",
    "LoadOptions",
    "Message",
    "Metric",
    "MetricSet",
    "RawRecord",
    "Rejected",
    "Rule",
]
