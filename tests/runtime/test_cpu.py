"""Where int8 would saturate (x86-64 without VNNI), weights are quantized to 7 bits and
cached apart from full-range int8."""

from pathlib import Path

import pytest

from unspin.runtime import cpu
from unspin.runtime.backends import onnx


def test_cpu_flags_come_from_the_first_processor(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512_vnni\n\n"
                    "processor\t: 1\nflags\t\t: fpu\n")
    assert cpu.cpu_flags(info) == {"fpu", "sse2", "avx2", "avx512_vnni"}
    assert cpu.cpu_flags(tmp_path / "missing") == set()


@pytest.mark.parametrize(("machine", "flags", "saturates"), [
    ("x86_64", {"avx2"}, True),  # AVX2 alone: vpmaddubsw saturates
    ("x86_64", {"avx2", "avx512_vnni"}, False),
    ("AMD64", {"avx2", "avx_vnni"}, False),
    ("x86_64", set(), True),  # flags unknown: the safe choice
    ("aarch64", set(), False),
])
def test_int8_saturates_on_x86_without_vnni(monkeypatch: pytest.MonkeyPatch, machine: str, flags: set[str],
                                            saturates: bool) -> None:
    monkeypatch.setattr(cpu.platform, "machine", lambda: machine)
    monkeypatch.setattr(cpu, "cpu_flags", lambda: flags)
    cpu.int8_saturates.cache_clear()
    try:
        assert cpu.int8_saturates() is saturates
    finally:
        cpu.int8_saturates.cache_clear()


def test_seven_bit_exports_are_cached_apart(monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    for saturates, suffix in ((True, "-int8-7bit"), (False, "-int8")):
        monkeypatch.setattr(onnx, "int8_saturates", lambda s=saturates: s)
        assert onnx.cached_paths(tiny_model_dir)[0].parent.name.endswith(suffix)
        assert onnx.cached_paths(tiny_model_dir, quantize=False)[0].parent.name.endswith("-fused")
