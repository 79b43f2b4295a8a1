// archived-extract: the sandboxed extraction helper (indexer/extract/sandbox.h). The daemon
// starts one per PDF or office file, with the content on stdin; the text comes back on stdout.
#include "indexer/extract/sandbox.h"

int main(int argc, char** argv) { return archived::extract::HelperMain(argc, argv); }
