# Thin driver over cargo for C and C++ users.
#
#   make                                   release build (library and the vquad command)
#   make lib                               release library: target/release/libvquad.{a,so}
#   make install PREFIX=/opt/vquad         install (DESTDIR=/stage is honoured)
#   make uninstall PREFIX=/opt/vquad       remove exactly what install put there
#   make header                            refresh include/vquad.h from src/ffi/
#
# install puts into the prefix:
#   lib/libvquad.a, lib/libvquad.so.X.Y.Z (soname libvquad.so.X, or
#   libvquad.so.0.Y while X is 0) with the links libvquad.so.<soname> and libvquad.so, include/vquad.h, include/vquad.hpp,
#   lib/pkgconfig/vquad.pc, lib/cmake/vquad/vquadConfig{,Version}.cmake.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR    ?=
CARGO      ?= cargo

VERSION := $(shell sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
MINOR   := $(word 2,$(subst ., ,$(VERSION)))
# The ABI version in the soname: MAJOR, or 0.MINOR while MAJOR is 0 (each
# 0.x release may change the ABI; build.rs uses the same rule).
ABI     := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
REAL    := libvquad.so.$(VERSION)
SONAME  := libvquad.so.$(ABI)
# What libvquad.a needs from the system. Refresh from
#   cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
# (tests/c_examples.rs links the in-tree examples with the same list).
NATIVE_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

empty :=
space := $(empty) $(empty)
# cargo's output directory (CARGO_TARGET_DIR when set).
TARGET  := $(or $(CARGO_TARGET_DIR),target)
RELEASE := $(TARGET)/release
GEN     := $(TARGET)/packaging
CMAKEDIR := $(LIBDIR)/cmake/vquad
PCDIR    := $(LIBDIR)/pkgconfig

# Every file and link install creates: uninstall removes exactly this list
# (under the same DESTDIR, PREFIX, LIBDIR and INCLUDEDIR).
INSTALLED := $(LIBDIR)/libvquad.a $(LIBDIR)/$(REAL) $(LIBDIR)/$(SONAME) \
	$(LIBDIR)/libvquad.so $(INCLUDEDIR)/vquad.h $(INCLUDEDIR)/vquad.hpp \
	$(PCDIR)/vquad.pc $(CMAKEDIR)/vquadConfig.cmake $(CMAKEDIR)/vquadConfigVersion.cmake
# The directories install writes into, deepest first: uninstall removes each
# one that it leaves empty.
INSTALL_DIRS := $(CMAKEDIR) $(LIBDIR)/cmake $(PCDIR) $(LIBDIR) $(INCLUDEDIR)

SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' \
	-e 's|@PC_LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	-e 's|@PC_INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' \
	-e 's|@MINOR@|$(MINOR)|g' -e 's|@ABI@|$(ABI)|g' \
	-e 's|@NATIVE_STATIC_LIBS@|$(NATIVE_STATIC_LIBS)|g' \
	-e 's|@CMAKE_STATIC_LIBS@|$(subst $(space),;,$(patsubst -l%,%,$(NATIVE_STATIC_LIBS)))|g' \
	-e "s|@INCLUDE_REL@|$$(realpath -m --relative-to='$(CMAKEDIR)' '$(INCLUDEDIR)')|g"

.PHONY: all lib header install uninstall packaging
all:
	$(CARGO) build --release

# Only the library (what install needs).
lib:
	$(CARGO) build --release --lib

# Copies the header cbindgen generated (build.rs) over include/vquad.h.
header:
	cargo build
	cp "$$(ls -t $(TARGET)/debug/build/vquad-*/out/vquad.h | head -n 1)" include/vquad.h

# The pkg-config and CMake files for this PREFIX (regenerated every time:
# they depend on the variables, not only on the templates).
packaging:
	@case '$(PREFIX)$(LIBDIR)$(INCLUDEDIR)' in *'|'*) echo 'paths must not contain |' >&2; exit 1;; esac
	@case '$(PREFIX)' in /*) ;; *) echo 'PREFIX must be an absolute path' >&2; exit 1;; esac
	mkdir -p $(GEN)
	$(SUBST) packaging/vquad.pc.in > $(GEN)/vquad.pc
	$(SUBST) packaging/vquadConfig.cmake.in > $(GEN)/vquadConfig.cmake
	$(SUBST) packaging/vquadConfigVersion.cmake.in > $(GEN)/vquadConfigVersion.cmake

install: lib packaging
	install -d '$(DESTDIR)$(LIBDIR)' '$(DESTDIR)$(INCLUDEDIR)' \
		'$(DESTDIR)$(PCDIR)' '$(DESTDIR)$(CMAKEDIR)'
	install -m 644 $(RELEASE)/libvquad.a '$(DESTDIR)$(LIBDIR)/libvquad.a'
	install -m 755 $(RELEASE)/libvquad.so '$(DESTDIR)$(LIBDIR)/$(REAL)'
	ln -sfn $(REAL) '$(DESTDIR)$(LIBDIR)/$(SONAME)'
	ln -sfn $(SONAME) '$(DESTDIR)$(LIBDIR)/libvquad.so'
	install -m 644 include/vquad.h include/vquad.hpp '$(DESTDIR)$(INCLUDEDIR)/'
	install -m 644 $(GEN)/vquad.pc '$(DESTDIR)$(PCDIR)/vquad.pc'
	install -m 644 $(GEN)/vquadConfig.cmake $(GEN)/vquadConfigVersion.cmake \
		'$(DESTDIR)$(CMAKEDIR)/'

uninstall:
	rm -f $(foreach f,$(INSTALLED),'$(DESTDIR)$(f)')
	for d in $(foreach d,$(INSTALL_DIRS),'$(DESTDIR)$(d)'); do \
		if [ -d "$$d" ]; then rmdir "$$d" 2>/dev/null || true; fi; \
	done
