#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/attribution/dpkg_database.hpp"
#include "daemon/attribution/exe_identity.hpp"
#include "daemon/attribution/file_key.hpp"
#include "daemon/base/fd.hpp"

namespace sluice {

// FileKey -> digests, and (FileKey, path) -> package check: every executable is read and
// hashed once per version however many processes run it. Files are hashed through a
// descriptor opened from /proc/PID/exe, never by path, so the digest is of the file the process
// really runs even when the path shows another file in our mount namespace (bind mounts,
// containers).
//
// Threads: remember() and identify() are called from the event loop thread. With
// `background`, a worker thread hashes remembered files ahead of the first connection; a
// caller asking for a file the worker is hashing waits for it, one it has not started is
// hashed by the caller. Holds at most `capacity` identities (oldest evicted) and
// `pending_capacity` open files awaiting hashing (oldest closed, counted).
class ExeIdentityCache {
  public:
    struct Options {
        std::size_t capacity = 4096;
        std::size_t pending_capacity = 256;
        std::uint64_t max_file_bytes = std::uint64_t{1} << 30;
        bool background = true;
    };

    struct Counters {
        std::uint64_t hashed = 0;  // files read and digested
        std::uint64_t bytes_hashed = 0;
        std::uint64_t hash_failures = 0;  // unreadable, changed while read, too large
        std::uint64_t hits = 0;           // identify() answered from the cache
        std::uint64_t hashed_by_caller = 0;
        std::uint64_t waited = 0;  // identify() waited for the worker
        std::uint64_t pending_dropped = 0;
    };

    struct Answer {
        ExeIdentity identity;
        // The first answer for this file at this path: the caller logs a mismatch once.
        bool first = false;
    };

    ExeIdentityCache(DpkgDatabase dpkg, Options options);
    ~ExeIdentityCache();
    ExeIdentityCache(const ExeIdentityCache&) = delete;
    ExeIdentityCache& operator=(const ExeIdentityCache&) = delete;

    // At an exec: keeps `exe` open (the file the process runs, seen at `path`) until its
    // identity is worked out, so it can still be read after the process is gone. Ignored when
    // `key` is already known.
    void remember(const FileKey& key, Fd exe, std::string path);

    // The identity of file `key` reached at `path`. Hashes on first sight, from the remembered
    // descriptor or else from `open_exe()` (an invalid Fd: nothing to hash, empty identity).
    Answer identify(const FileKey& key, std::string_view path, const std::function<Fd()>& open_exe);
    // Never waits: the identity when it is already worked out (the package only when it was
    // checked for this path), else nullopt, and a file not seen before is handed to the worker
    // (opened with `open_exe()`) so a later connection finds it ready.
    std::optional<Answer> identify_if_ready(const FileKey& key, std::string_view path,
                                            const std::function<Fd()>& open_exe);

    [[nodiscard]] Counters counters() const;
    [[nodiscard]] std::size_t size() const;

  private:
    enum class State : std::uint8_t { kPending, kHashing, kReady };
    struct PathCheck {
        std::string path;
        PackageCheck check;
        bool answered = false;
    };
    struct Entry {
        State state = State::kPending;
        Fd file;  // while pending
        std::string remembered_path;
        bool digested = false;  // digests hold a value
        FileDigests digests;
        std::vector<PathCheck> checks;  // few: one path per file is the norm
        std::uint64_t sequence = 0;
    };

    // Hashes `file` (which must still be `key`) and checks the package for `path`; no lock held.
    std::pair<std::optional<FileDigests>, PackageCheck> work_out(const FileKey& key, const Fd& file,
                                                                 std::string_view path);
    void store(std::unique_lock<std::mutex>& lock, const FileKey& key,
               std::optional<FileDigests> digests, std::string_view path, PackageCheck check);
    void evict_if_full();
    void run_worker(const std::stop_token& stop);

    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::unordered_map<FileKey, Entry, FileKeyHash> entries_;
    std::deque<std::pair<FileKey, std::uint64_t>> order_;  // ready entries, oldest first
    std::deque<FileKey> pending_;                          // worker's queue, oldest first
    std::size_t pending_count_ = 0;
    std::uint64_t next_sequence_ = 1;
    Counters counters_;
    std::mutex dpkg_mutex_;  // the dpkg database reads files and rebuilds: one user at a time
    DpkgDatabase dpkg_;
    std::jthread worker_;  // last: stopped and joined before the members it uses go
};

}  // namespace sluice
