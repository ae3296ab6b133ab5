#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/attribution/dpkg_database.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// Digests of one file's content, lower-case hex.
struct FileDigests {
    std::string sha256;
    std::string md5;
};

// Reads the whole open file `fd` (from offset 0, whatever its file position) and digests it.
// Error when it cannot be read or is larger than `max_bytes`.
Result<FileDigests> digest_file(int fd, std::uint64_t max_bytes);

// What an executable is, beyond its path.
struct ExeIdentity {
    std::string sha256;  // empty when the file could not be read
    // The Debian package owning the path, set only when the file's MD5 equals the one the
    // package's md5sums recorded: a rule naming a package survives updates yet not a swap.
    std::string package;
    // The package dpkg says owns the path when the file does not match its md5sums (replaced
    // or modified binary); empty otherwise. Callers log it.
    std::string mismatched_package;

    friend bool operator==(const ExeIdentity&, const ExeIdentity&) = default;
};

struct PackageCheck {
    std::string package;
    std::string mismatched_package;
};

// Looks `path` up in dpkg's database and compares `md5` with what each owner recorded. A
// package that lists the path without an md5sums entry for it is not verified (no package).
PackageCheck check_package(DpkgDatabase& dpkg, std::string_view path, std::string_view md5);

}  // namespace sluice
