.PHONY: test demo demo-cli e2e bench
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
	./bench/core
