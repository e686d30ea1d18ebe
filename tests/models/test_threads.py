"""Inference threads follow the CPUs the process may use, or UNSPIN_THREADS."""

import os

import pytest

from unspin.models import threads


def test_threads_follow_affinity_and_the_setting(monkeypatch):
    monkeypatch.delenv("UNSPIN_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: None)
    assert threads.inference_threads() == 3
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 1.5)  # a container's 1.5 CPUs
    assert threads.inference_threads() == 1
    monkeypatch.setenv("UNSPIN_THREADS", "2")
    assert threads.inference_threads() == 2
    assert threads.inference_threads(4) == 4
    monkeypatch.setenv("UNSPIN_THREADS", "many")
    with pytest.raises(ValueError, match="UNSPIN_THREADS"):
        threads.inference_threads()


def test_onnx_sessions_do_not_spin(tiny_model_dir, monkeypatch):
    import unspin

    monkeypatch.setenv("UNSPIN_THREADS", "1")
    backend = unspin.load(tiny_model_dir, backend="onnx").predictor.backend
    config = backend.session.get_session_options().get_session_config_entry
    assert config("session.intra_op.allow_spinning") == "0"
    assert backend.session.get_session_options().intra_op_num_threads == 1


def test_one_blas_thread_limits_numpy_blas_and_restores_it():
    import numpy as np  # noqa: F401  (loads the BLAS library threadpoolctl inspects)
    from threadpoolctl import threadpool_info

    from unspin.models.threads import one_blas_thread

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()
    assert before, "numpy should load a BLAS library"
    with one_blas_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before
