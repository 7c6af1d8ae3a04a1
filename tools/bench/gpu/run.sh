#!/bin/bash
# tools/bench/gpu/run.sh - the one command a GPU session runs (issue 4).
#
# On the device machine, from the repository root:
#
#   tools/bench/gpu/run.sh [test|bench|all]   (all: both, the default)
#
# Each stage fits the device tool's 10-minute command limit on its own
# (inner timeouts: 240 s for the test, 330 s for ResNet-50); for a first
# contact run them as two calls, so that a hang in one keeps the other.
#
# 1. finds cuDNN (CUDNN_ROOT, else PyTorch's pip nvidia/cudnn) and builds
#    scaled-infer and gpu_models_test with -DSCALED_CUDA=ON there; if that
#    machine lacks the project's other build dependencies (lua, libevent,
#    protobuf-c, ...), it uses a build made beforehand on a machine that has
#    them and carried along: build-gpu-carry/ (see --prebuild);
# 2. runs the GPU test (ctest -L gpu, or the carried binary on the carried
#    models);
# 3. exports a seeded random-weight torchvision ResNet-50 to ONNX and checks
#    scaled against PyTorch on a fixed batch (top-1, max logit difference);
# 4. measures scaled-infer --bench --fp16 and PyTorch eager FP16 at batch
#    64, 128 and 256 and prints the table (resnet50.py).
# Logs go to $OUT (the device tool's folder that comes back) or build-gpu-dev/out.
#
#   tools/bench/gpu/run.sh --prebuild  (on a build machine with no GPU)
#
# builds scaled-infer and gpu_models_test with SCALED_CUDA=ON into
# build-gpu-carry/{bin,lib,models}: the binaries, the shared libraries they
# need beyond glibc and CUDA/cuDNN (which the device machine has), and the
# generated test models. Then run the line above with carry=["build-gpu-carry"].
#
# The device image has nvcc 13 and PyTorch's pip CUDA 13 libraries but not
# this project's other build dependencies, so when build-gpu-carry/ is
# there it is used as it is; SCALED_GPU_BUILD=1 tries a build there first.
#
# Environment: CUDNN_ROOT, PYTHON (python3), SCALED_GPU_BATCHES (64,128,256),
# SCALED_GPU_ITERS (50), SCALED_GPU_BUILD=1 (build on the device first),
# SCALED_GPU_PAGEABLE=1 (also bench with pageable buffers).
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
PY=${PYTHON:-python3}
CARRY=$ROOT/build-gpu-carry

say() { echo "== $*"; }

if [ "${1:-}" = "--prebuild" ]; then
	B=$ROOT/build-gpu-prebuild
	set -e
	cmake -S "$ROOT" -B "$B" -DSCALED_CUDA=ON -DSCALED_WERROR=ON -DCMAKE_BUILD_TYPE=Release \
		${CUDNN_ROOT:+-DCUDNN_ROOT=$CUDNN_ROOT} >/dev/null
	cmake --build "$B" -j"$(nproc)" --target scaled_infer gpu_models_test
	rm -rf "$CARRY"
	mkdir -p "$CARRY/bin" "$CARRY/lib" "$CARRY/models"
	cp "$B/scaled-infer" "$B/tests/gpu_models_test" "$CARRY/bin/"
	# Libraries the device machine may lack: everything but glibc's, the
	# compiler runtime's and CUDA/cuDNN's own (those must be the device's).
	ldd "$CARRY"/bin/* | awk '/=> \// { print $3 }' | sort -u |
		grep -Ev '/(libc|libm|libdl|librt|libpthread|ld-linux[^/]*|libgcc_s|libstdc\+\+|libcuda|libcudart|libcudnn[^/]*|libcublas[^/]*|libnvrtc[^/]*)\.so' |
		while read -r l; do cp -L "$l" "$CARRY/lib/"; done
	/usr/bin/python3 "$ROOT/tests/infer/gen_models.py" "$CARRY/models" >/dev/null
	du -sh "$CARRY"
	ls "$CARRY/lib"
	echo "carry build-gpu-carry; on the device: tools/bench/gpu/run.sh"
	exit 0
fi

STAGE=${1:-all}
case $STAGE in test|bench|all) ;; *) echo "usage: $0 [test|bench|all] | --prebuild" >&2; exit 2 ;; esac
OUT=${OUT:-$ROOT/build-gpu-dev/out}
mkdir -p "$OUT"
STATUS=0
fail() { say "FAILED: $*"; STATUS=1; }

say "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || fail "nvidia-smi"
"$PY" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())' ||
	fail "python3 has no torch"

if [ -z "${CUDNN_ROOT:-}" ]; then
	CUDNN_ROOT=$("$PY" -c 'import nvidia.cudnn as c; print(list(c.__path__)[0])' 2>/dev/null)
fi
CUDART_DIR=$("$PY" -c 'import nvidia.cuda_runtime as c; print(list(c.__path__)[0] + "/lib")' 2>/dev/null)
say "cuDNN: ${CUDNN_ROOT:-not found}; pip CUDA runtime: ${CUDART_DIR:-none}; nvcc: $(command -v nvcc || echo none)"
ls "${CUDNN_ROOT:-/nonexistent}/lib" 2>/dev/null | grep -E '^libcudnn\.so' | head -3
# The carried binaries were linked elsewhere: find cuDNN and the runtime here,
# and every pip nvidia/*/lib (cu13 wheels keep theirs in nvidia/cu13/lib;
# cuDNN's runtime-compiled engines want nvrtc, some engines cublasLt).
NVLIBS=$("$PY" -c 'import nvidia, glob, os
print(":".join(sorted({d for p in nvidia.__path__ for d in glob.glob(os.path.join(p, "*", "lib"))})))' 2>/dev/null)
export LD_LIBRARY_PATH="$CARRY/lib:${CUDNN_ROOT:+$CUDNN_ROOT/lib:}${NVLIBS:+$NVLIBS:}/usr/local/cuda/lib64:${CUDART_DIR:+$CUDART_DIR:}${LD_LIBRARY_PATH:-}"
say "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# 1. build here, or use the carried build
BIN=""
TEST=""
MODELS=""
BUILD=$ROOT/build-gpu-dev
if { [ "${SCALED_GPU_BUILD:-0}" = 1 ] || [ ! -x "$CARRY/bin/scaled-infer" ]; } &&
	command -v cmake >/dev/null; then
	say "configure + build in $BUILD (SCALED_CUDA=ON, CUDNN_ROOT=$CUDNN_ROOT)"
	if cmake -S "$ROOT" -B "$BUILD" -DSCALED_CUDA=ON -DCMAKE_BUILD_TYPE=Release \
		-DCUDNN_ROOT="$CUDNN_ROOT" -DSCALED_INFER_PYTHON="$(command -v "$PY")" \
		>"$OUT/configure.log" 2>&1 &&
		cmake --build "$BUILD" -j"$(nproc)" --target scaled_infer gpu_models_test \
		>"$OUT/build.log" 2>&1; then
		BIN=$BUILD/scaled-infer
		TEST=ctest
	else
		say "building here failed (tail of the logs below); trying the carried build"
		tail -5 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null
	fi
fi
if [ -z "$BIN" ]; then
	if [ -x "$CARRY/bin/scaled-infer" ]; then
		BIN=$CARRY/bin/scaled-infer
		TEST=$CARRY/bin/gpu_models_test
		MODELS=$CARRY/models
		say "using the carried build ($CARRY)"
		ldd "$BIN" "$TEST" | grep -E "not found|cudnn|cudart" || true
	else
		fail "no build: neither could build here nor was build-gpu-carry carried (run tools/bench/gpu/run.sh --prebuild on the build machine first)"
		exit 1
	fi
fi

# 2. the GPU test
if [ "$STAGE" != bench ]; then
say "GPU test"
export SCALED_CUDA_DEBUG=1
if [ "$TEST" = ctest ]; then
	(cd "$BUILD" && timeout 240 ctest -L gpu --output-on-failure) >"$OUT/gpu_test.log" 2>&1 ||
		fail "ctest -L gpu"
else
	timeout 240 "$TEST" "$MODELS" >"$OUT/gpu_test.log" 2>&1
	rc=$?
	[ $rc = 77 ] && fail "gpu_models_test skipped (77): it sees no usable GPU"
	[ $rc != 0 ] && [ $rc != 77 ] && fail "gpu_models_test (exit $rc)"
fi
grep -E "^\[  (FAILED|PASSED|  OK|  ERROR) |no CUDA device|tests passed|Skipped|FAILED" "$OUT/gpu_test.log" |
	grep -v "^\[       OK" | tail -40
# the backend's own account (SCALED_CUDA_DEBUG): fusions refused, graphs, conversions
grep -E "refused|captured|capture|convert|fall" "$OUT/gpu_test.log" | sort | uniq -c | sort -rn | head -20
fi
[ "$STAGE" = test ] && { say "done (status $STATUS); logs in $OUT"; exit $STATUS; }

# 3 + 4. ResNet-50 against PyTorch
say "ResNet-50"
# SCALED_CUDA_DEBUG stays on: its lines go to stderr, which resnet50.py
# shows for a failed run only; it adds no work to the timed calls.
PYTHONUNBUFFERED=1 timeout 330 "$PY" "$ROOT/tools/bench/gpu/resnet50.py" --scaled-infer "$BIN" \
	--out "$OUT" --batches "${SCALED_GPU_BATCHES:-64,128,256}" --iters "${SCALED_GPU_ITERS:-50}" \
	${SCALED_GPU_PAGEABLE:+--pageable} \
	2>&1 | tee "$OUT/resnet50.log" || fail "resnet50.py"
rm -f "$OUT/resnet50.onnx" "$OUT"/check_*.f32	# too big to bring back, made again in seconds
say "done (status $STATUS); logs in $OUT"
exit $STATUS
