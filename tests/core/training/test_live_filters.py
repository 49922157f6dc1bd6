"""Features forming, live: the worker's FiltersEvent holds the first Conv2D's kernels and the
fixed test image's feature maps as Keras computes them, travels as one checked JSON line,
and the job keeps the first and the latest; a run with it trains exactly like one without."""
import json
import time

import numpy as np
import pytest

from core.config import INPUT_SHAPE
from core.stack import presets
from core.training import live_filters
from core.engine.contract import ContractError, FiltersEvent, parse_event, to_line
from tests.core.engine.test_jobs import data_path  # noqa: F401  (a fixture: tiny arrays)

keras = pytest.importorskip("keras")


def image(seed=0):
    return np.random.default_rng(seed).integers(0, 256, INPUT_SHAPE, dtype=np.uint8)


def built(layers):
    from core.stack.build import build_model

    keras.utils.set_random_seed(0)
    return build_model(INPUT_SHAPE, layers)


def test_the_event_holds_the_first_layers_kernels_and_maps():
    model = built(presets.stride())
    event = live_filters.filters_event(model, image(), epoch=3)
    conv = model.layers[0]
    assert (event.epoch, event.layer, event.filters) == (3, conv.name, 64)
    assert event.kernel_shape == (3, 3, 3, 64) and event.map_shape == (16, 16, 16)
    kernels = np.array(event.kernels).reshape(event.kernel_shape)
    np.testing.assert_allclose(kernels, np.asarray(conv.kernel), rtol=1e-3, atol=1e-7)
    maps = np.array(event.maps).reshape(event.map_shape)
    keras_maps = np.asarray(conv(image()[None].astype(np.float32)))[0][..., :16]
    np.testing.assert_allclose(maps, keras_maps, rtol=1e-3, atol=1e-6)
    assert parse_event(to_line(event)) == event


def test_a_transfer_models_first_layer_is_inside_its_extractor():
    from core.transfer.models import transfer_model

    model, extractor = transfer_model("scratch", INPUT_SHAPE, 15,
                                      extractor_layers=presets.shared_extractor(128))
    event = live_filters.filters_event(model, image(1), epoch=0)
    assert event.filters == 128 and event.kernel_shape == (3, 3, 3, live_filters.MAX_FILTERS)
    assert event.map_shape == (32, 32, live_filters.MAX_MAPS)
    keras_maps = np.asarray(extractor.layers[0](image(1)[None].astype(np.float32)))[0]
    np.testing.assert_allclose(np.array(event.maps).reshape(event.map_shape),
                               keras_maps[..., :live_filters.MAX_MAPS], rtol=1e-3, atol=1e-6)


def test_the_widest_model_sends_a_short_line_quickly():
    """The super model (128 filters, 32x32 maps): the line and its cost stay small."""
    model = built(presets.super_model())
    started = time.perf_counter()
    line = to_line(live_filters.filters_event(model, image(), epoch=1))
    made = time.perf_counter() - started
    started = time.perf_counter()
    parse_event(line)
    parsed = time.perf_counter() - started
    assert len(line) < 300_000, len(line)
    assert made < 0.5 and parsed < 0.5, (made, parsed)  # an epoch takes seconds


def test_values_that_do_not_fill_their_shapes_are_refused():
    with pytest.raises(ContractError):
        FiltersEvent(epoch=0, layer="conv2d", filters=2, image_index=0,
                     kernel_shape=(3, 3, 3, 2), kernels=(0.0,) * 53, map_shape=(2, 2, 2),
                     maps=(0.0,) * 8)
    good = to_line(FiltersEvent(epoch=0, layer="conv2d", filters=1, image_index=0,
                                kernel_shape=(1, 1, 1, 1), kernels=(0.5,), map_shape=(1, 1, 1),
                                maps=(2.0,)))
    broken = json.loads(good)
    broken["maps"] = ["x"]
    with pytest.raises(ContractError):
        parse_event(json.dumps(broken))


def test_no_conv_no_event(monkeypatch):
    dense = keras.Sequential([keras.Input(INPUT_SHAPE), keras.layers.Flatten(),
                              keras.layers.Dense(3)])
    assert live_filters.filters_event(dense, image(), 0) is None
    assert live_filters.callbacks(keras, print, dense, image()[None]) == []
    model = built(presets.single_conv())
    assert len(live_filters.callbacks(keras, print, model, image()[None])) == 1
    assert live_filters.callbacks(keras, print, model, image()[:0]) == [], "no test image"


def test_how_far_the_filters_moved():
    def event(kernels, shape=(1, 1, 1, 2)):
        return FiltersEvent(epoch=0, layer="conv2d", filters=2, image_index=0,
                            kernel_shape=shape, kernels=kernels, map_shape=(1, 1, 1), maps=(0.0,))

    assert live_filters.weight_change(event((3.0, 4.0)), event((3.0, 4.0))) == 0
    assert live_filters.weight_change(event((3.0, 4.0)), event((6.0, 8.0))) == 1.0
    assert live_filters.weight_change(event((0.0, 0.0)), event((1.0, 1.0))) is None
    assert live_filters.weight_change(event((1.0, 1.0)), event((1.0,), (1, 1, 1, 1))) is None


def test_the_job_keeps_the_first_and_the_latest():
    from core.engine.job import Job
    from tests.core.engine.test_contract import config

    job = Job(1, config(), out_dir=None, holders=["a"], watchers={"a"})
    events = [FiltersEvent(epoch=e, layer="conv2d", filters=1, image_index=0,
                           kernel_shape=(1, 1, 1, 1), kernels=(float(e),), map_shape=(1, 1, 1),
                           maps=(float(e),)) for e in range(3)]
    for event in events:
        job.handle(event)
    snapshot = job.snapshot()
    assert snapshot.first_filters == events[0] and snapshot.filters == events[2]


@pytest.mark.slow
def test_a_run_with_the_live_view_trains_exactly_like_one_without(tmp_path, data_path):
    """Same settings, same losses to the last digit, with and without the live view (the
    setting live_filters, which the server hands its workers); the job holds an event for
    the start and one per epoch's end."""
    from core.engine.manager import JobManager
    from tests.core.engine.test_jobs import losses, make_config

    runs = {}
    for live in (True, False):
        manager = JobManager(max_running=1, warm=False, root=tmp_path / str(live),
                             live_filters=live)
        try:
            job = manager.submit("a", make_config(data_path, epochs=2)).job
            runs[live] = (losses(job), job.snapshot())
        finally:
            manager.shutdown()
    assert runs[True][0] == runs[False][0]
    with_view, without = runs[True][1], runs[False][1]
    assert without.filters is None and without.first_filters is None
    assert (with_view.first_filters.epoch, with_view.filters.epoch) == (0, 2)
    assert with_view.filters.kernels != with_view.first_filters.kernels, "the filters learned"
