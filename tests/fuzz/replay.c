/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plain main() for the fuzz harnesses: feeds every file named on the
 * command line (or every regular file in a named directory) to
 * LLVMFuzzerTestOneInput(), so committed corpora run under any compiler
 * and under `make check` without libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whole file into a heap buffer sized exactly, so ASan sees overreads. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
fail:
	fprintf(stderr, "replay: %s: %s\n", path, strerror(errno ? errno : EIO));
	free(buf);
	if (f)
		fclose(f);
	return -EIO;
}


/* Sorted, so a failing run names the same input every time. */
static int replay_dir(const char *dir, unsigned *count)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;

		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) >= 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				rc = -EIO;
			else
				(*count)++;
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		unsigned count = 0;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
			printf("replayed %u inputs from %s\n", count, argv[i]);
		} else if (replay_file(argv[i]) < 0) {
			rc = 1;
		} else {
			printf("replayed 1 input from %s\n", argv[i]);
		}
	}
	return rc;
}
