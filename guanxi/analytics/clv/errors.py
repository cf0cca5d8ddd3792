"""Errors raised by the CLV models: one ValueError subclass with a message a user can act on."""

try:  # the package-wide input error, when the reader module is present
    from guanxi.analytics.io import AnalyticsInputError as _Base
except ImportError:  # pragma: no cover - io.py is written alongside this package
    _Base = ValueError


if not issubclass(_Base, ValueError):  # pragma: no cover

    class _Base(_Base, ValueError):  # noqa: F811 - keep CLVInputError a ValueError in any case
        pass


class CLVInputError(_Base):
    """Bad input to a CLV function: missing columns, negative values, t_x > T, empty data."""


class CLVFitError(RuntimeError):
    """The likelihood maximisation did not converge."""
