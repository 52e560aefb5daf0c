# Thin driver over cargo for C users: build, refresh the header, install.
PREFIX ?= /usr/local

.PHONY: all header
all:
	cargo build --release

# Copies the header cbindgen generated (build.rs) over include/vquad.h.
header:
	cargo build
	cp "$$(ls -t target/debug/build/vquad-*/out/vquad.h | head -n 1)" include/vquad.h
