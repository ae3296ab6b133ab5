#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sluice {

// Reads a whole file of at most `max_bytes`. On failure returns nullopt and sets `error` to
// the reason ("No such file or directory", "Is a directory", "larger than 16777216 bytes").
// Bounded because rule and list files name paths an admin typed: a wrong path such as
// /dev/zero must fail, not exhaust memory. May block on slow storage; call off the queue thread.
std::optional<std::string> read_text_file_bounded(const std::string& path, std::size_t max_bytes,
                                                  std::string& error);

}  // namespace sluice
