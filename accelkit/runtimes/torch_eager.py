"""torch eager mode as a harness runner: the baseline the runtimes are compared with (notebook 00).

Kept apart from ``models/zoo.py`` because the model cache hashes that file's source: editing a
runner must not rebuild every exported model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..models.files import example_inputs, load_model
from .runner import runner_settings

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["TorchRunner", "torch_runner"]


class TorchRunner:
    """A torch module in inference mode with fixed inputs, measured like the other runtimes."""

    def __init__(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], *, model_name: str,
                 threads: int | None = None) -> None:
        import torch

        self._threads_before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(int(threads))
        self.module: nn.Module | None = module.eval()
        self.inputs = inputs
        self.settings = runner_settings("torch", "CPU", model_name, threads=torch.get_num_threads(),
                                        opt_level="eager")

    def infer(self) -> None:
        import torch

        assert self.module is not None, "this runner is closed"
        with torch.inference_mode():
            self.module(*self.inputs)

    def close(self) -> None:
        import torch

        self.module = None
        torch.set_num_threads(self._threads_before)


def torch_runner(name: str, *, threads: int | None = None) -> TorchRunner:
    """Builder for the harness: one of the kit's models in torch eager mode (the baseline the
    runtimes are compared with)."""
    return TorchRunner(load_model(name), example_inputs(name), model_name=name, threads=threads)
