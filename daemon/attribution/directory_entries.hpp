#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "daemon/base/fd.hpp"

namespace sluice {

// The names in a directory, read with getdents64 straight from an open descriptor: no DIR
// stream, so listing /proc/PID/fd costs open, getdents64 and close (fdopendir adds an fstat
// and two fcntl calls, which the attribution hot path feels). "." and ".." are skipped.
class DirectoryEntries {
  public:
    // Takes ownership of `directory` (opened with O_DIRECTORY); an invalid Fd lists nothing.
    explicit DirectoryEntries(Fd directory) : directory_(std::move(directory)) {}
    // Opens `path` relative to `at` (an fd or AT_FDCWD).
    DirectoryEntries(int at, const char* path);

    [[nodiscard]] bool is_open() const { return static_cast<bool>(directory_); }
    [[nodiscard]] int fd() const { return directory_.get(); }
    // The next name, valid until the next call; nullopt at the end (or on a read error). The
    // directory stays open (fd()) until this object goes.
    std::optional<std::string_view> next();

  private:
    Fd directory_;
    alignas(8) std::array<char, 4096> buffer_{};
    std::size_t filled_ = 0;
    std::size_t position_ = 0;
    bool last_batch_ = false;  // the buffer holds the directory's last records
    bool at_end_ = false;
};

}  // namespace sluice
