/*
 * fuzz.h: what the fuzz targets share.
 *
 * Each fuzz-<name>.c defines LLVMFuzzerTestOneInput. It is linked with
 * libFuzzer by `make fuzz` and with tests/fuzz-replay.c by `make check`,
 * which replays the inputs that once crashed a parser.
 */

#ifndef EMBREPL_FUZZ_H
#define EMBREPL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Puts an input into an anonymous in-memory file and returns a path that
 * opens it (/proc/self/fd/N), valid until the next call; NULL on failure.
 */
const char	*fuzz_file(const uint8_t *, size_t);

/*
 * The same with a file that has a real name in /dev/shm or /tmp, for
 * libraries that resolve the path (HDF5); removed when the process exits.
 */
const char	*fuzz_named_file(const uint8_t *, size_t);

#endif
