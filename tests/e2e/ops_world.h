#pragma once

#include "e2e/harness.h"

#include <string>
#include <vector>

namespace imgpipe::e2e::ops {

// One server for the whole ops suite (tests/e2e/ops_*_test.cpp, one process, one ctest entry):
// a server per test would cost seconds each under ASan. Tests that need other flags (presets)
// start their own with server_with().
ServerProcess& server();

// A server with these extra flags, started once per distinct flag list and kept for the process.
ServerProcess& server_with(const std::vector<std::string>& flags);

// Uploads `bytes` to server(); returns the new id (the test fails if the upload does).
std::string upload_id(const std::string& bytes, const std::string& filename = "x.png");

// GET on server().
HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {});

} // namespace imgpipe::e2e::ops
