# The generators are pinned in go.mod (tool directives) and run with `go tool`:
# nothing needs installing besides Go. The first sqlc build compiles its cgo
# PostgreSQL parser (about 2-3 minutes on 2 cores); later runs are cached.
.DEFAULT_GOAL := help
GO ?= go

.PHONY: help run test generate check-generate vet lint-spec bench build

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: ## serve on the embedded default (./postfixadmin-scim.db, created on first start)
	$(GO) run ./cmd/postfixadmin-scim

build: ## build bin/postfixadmin-scim (its version: git describe)
	$(GO) build -ldflags "-X main.buildVersion=$$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o bin/postfixadmin-scim ./cmd/postfixadmin-scim

test: vet lint-spec ## all tests: spec lint, unit, fixtures, end to end on SQLite, MariaDB and PostgreSQL
	@$(GO) run ./internal/testdb/report
	$(GO) test -count=1 ./...

lint-spec: ## lint api/openapi.yaml: Redocly (recommended) and Spectral (spectral:oas), pinned in scripts/package.json
	scripts/lint-spec.sh

vet: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

generate: ## regenerate gen/ from sql/ and api/ (byte for byte reproducible)
	scripts/sqlite-schema.sh
	$(GO) tool sqlc generate
	$(GO) tool oapi-codegen -config oapi.yaml api/openapi.yaml
	$(GO) tool oapi-codegen -config api/oapi-client.yaml api/openapi.yaml

check-generate: generate ## fail if gen/ (or the derived SQLite schema) differs from what is committed
	@git diff --exit-code -- gen/ sql/sqlite/schema.sql || { echo "generated code is stale or hand-edited: run make generate"; exit 1; }
	@test -z "$$(git status --porcelain -- gen/)" || { echo "untracked generated files:"; git status --porcelain -- gen/; exit 1; }

bench: ## micro-benchmarks, then the load measurement on every engine (writes internal/loadtest/RESULTS.md; ~10 min)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/scim/ ./internal/pwhash/ ./internal/httpapi/ ./internal/store/sqlstore/
	$(GO) test -run '^$$' -bench 'GetUser|FilterUserNameEq|ListPage' -benchmem -benchtime 200x ./internal/e2e/
	PFSCIM_LOAD=1 $(GO) test -count=1 -timeout 30m -run TestLoad -v ./internal/loadtest/
