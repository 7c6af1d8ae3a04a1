# The README's two commands, and a few more. CMake does the real work.
#   make demo   install what is missing, build, run the example farm
#   make test   install what is missing, build (Release, warnings are
#               errors), run every test, then the unit tests again under
#               ASan + UBSan (a Debug build)
BUILD    ?= build
ASAN     ?= build-asan
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
# What users build, so what CI builds and tests (RelWithDebInfo, CMake's
# default here, for perf and gdb: make build BUILD_TYPE=RelWithDebInfo)
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=

.PHONY: all deps build demo demo-build test test-asan check clean

# What the demo runs: the daemon, its three plugins, the worker, the load.
DEMO_TARGETS = scaled plugin_cpu plugin_dirqueue plugin_procpool scaled-worker scaled-loadgen

all: build

deps:
	@tools/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSCALED_WERROR=ON -DSCALED_TESTS=ON \
		$(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# Only what the demo needs, and quietly: its output is the decisions.
demo: demo-build
	@BUILD=$(BUILD) tools/demo

# The demo needs only the build dependencies, and no tests configured.
demo-build:
	@tools/install-deps --build
	@echo "building the demo (log: $(BUILD)/demo-build.log) ..."
	@mkdir -p $(BUILD)
	@{ cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSCALED_WERROR=ON \
	   -DSCALED_TESTS=OFF $(CMAKE_FLAGS) && \
	   cmake --build $(BUILD) -j$(JOBS) --target $(DEMO_TARGETS); } \
	   >$(BUILD)/demo-build.log 2>&1 || { tail -40 $(BUILD)/demo-build.log; exit 1; }

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300
	$(MAKE) test-asan

# Sanitizers: everything but the slow integration layer, which runs above.
test-asan: deps
	cmake -S . -B $(ASAN) -DSCALED_WERROR=ON -DSCALED_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN) -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS) --timeout 300 -LE 'integration|infer'

check: build
	./$(BUILD)/scaled -c docs/examples/farm.lua --check

clean:
	rm -rf $(BUILD) $(ASAN)
