"""Twins of the sources: ``Parameter``, a learnable tensor of the network's own."""

from __future__ import annotations

import torch

from cnncalc.torch.calls import method_form
from cnncalc.torch.twins import twin_for


@twin_for("Parameter")
class ParameterModule(torch.nn.Module):
    """Holds ``nn.Parameter(torch.zeros(shape))`` as ``param`` and returns it; with
    ``expand="batch"``, ``param.expand(n, -1, ...)`` where ``n`` is the batch of ``like`` (the
    network's input, which the twin passes), as ViT's ``cls_token.expand(n, -1, -1)``.

    A parameter that only stands in a module's forward (``self.layer_scale * x``) is read, not
    called: that is ``call: method`` (no hook fires); the default ``call: module`` calls this
    module, so that hooks see a leaf module holding the parameter.
    """

    def __init__(self, shape: tuple[int, ...] = (), expand: str | None = None) -> None:
        super().__init__()
        self.param = torch.nn.Parameter(torch.zeros(tuple(shape)))
        self.expand = expand

    def value(self, like: torch.Tensor | None = None) -> torch.Tensor:
        if self.expand is None:
            return self.param
        n = like.shape[0] if like is not None else 1
        # under no_grad a view of a leaf that requires grad has no grad_fn, which
        # FlopCounterMode's module tracker refuses as a module's output: nothing needs the
        # gradient there, so the view is taken of the detached parameter
        param = self.param if torch.is_grad_enabled() else self.param.detach()
        return param.expand(n, *(-1 for _ in self.param.shape[1:]))

    def forward(self, like: torch.Tensor | None = None) -> torch.Tensor:
        return self.value(like)

    def extra_repr(self) -> str:
        shape = list(self.param.shape)
        return f"shape={shape}" + (f", expand={self.expand!r}" if self.expand else "")


@method_form("Parameter")
def _parameter(layer) -> object:
    """``self.layer_scale`` (read as an attribute; no module is called)."""
    return lambda module, *like: module.value(*like)
