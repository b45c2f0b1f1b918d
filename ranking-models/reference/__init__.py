"""Python/JAX reference for lprank's scorer: the model family of ranking-models/FORMAT.md.

Modules:
    model        config parsing, tensor specs, int8 middle-max quantization, the JAX forward pass
    simulator    the synthetic feed (users, items, creators, clicks, long dwells)
    train        trains, calibrates and exports the bundled model feed-dcn/
    export       writes a model directory (config.json + model.safetensors)
    variants     writes the tiny random-weight variants under variants/
    golden       writes golden.safetensors next to feed-dcn and every variant
    large        writes feed-dcn-large/: production-size shape, generated random weights, golden file
    bench_xla    the peer benchmark: jit(forward) by XLA on one core, the requests of benches/score.rs
    check_format an independent numpy forward pass written from FORMAT.md; checks every model
"""
