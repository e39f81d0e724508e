.PHONY: test demo demo-cli e2e bench bench-quick bench-core
test:
	./scripts/test
demo:
	./scripts/demo
demo-cli:
	./scripts/demo-cli
e2e:
	./scripts/setup
	./examples/todo-stack/run test
bench:
	./bench/run
bench-quick:
	./bench/run --quick
bench-core:
	./bench/core
