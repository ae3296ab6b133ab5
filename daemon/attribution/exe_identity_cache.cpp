#include "daemon/attribution/exe_identity_cache.hpp"

#include <algorithm>

namespace sluice {

ExeIdentityCache::ExeIdentityCache(DpkgDatabase dpkg, Options options)
    : options_(options), dpkg_(std::move(dpkg)) {
    if (options_.background) {
        worker_ = std::jthread([this](const std::stop_token& stop) { run_worker(stop); });
    }
}

ExeIdentityCache::~ExeIdentityCache() {
    if (worker_.joinable()) {
        worker_.request_stop();
        worker_.join();
    }
}

ExeIdentityCache::Counters ExeIdentityCache::counters() const {
    const std::lock_guard lock(mutex_);
    return counters_;
}

std::size_t ExeIdentityCache::size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
}

void ExeIdentityCache::remember(const FileKey& key, Fd exe, std::string path) {
    if (!exe) {
        return;
    }
    const std::lock_guard lock(mutex_);
    if (entries_.contains(key)) {
        return;
    }
    while (pending_count_ >= options_.pending_capacity && !pending_.empty()) {
        const FileKey oldest = pending_.front();
        pending_.pop_front();
        const auto found = entries_.find(oldest);
        if (found != entries_.end() && found->second.state == State::kPending) {
            entries_.erase(found);
            --pending_count_;
            ++counters_.pending_dropped;
        }
    }
    if (pending_.size() > 2 * options_.pending_capacity + 16) {
        // Keys the caller hashed before the worker got to them linger here; drop them.
        std::erase_if(pending_, [&](const FileKey& stale) {
            const auto found = entries_.find(stale);
            return found == entries_.end() || found->second.state != State::kPending;
        });
    }
    Entry entry;
    entry.file = std::move(exe);
    entry.remembered_path = std::move(path);
    entries_.emplace(key, std::move(entry));
    pending_.push_back(key);
    ++pending_count_;
    changed_.notify_all();
}

std::pair<std::optional<FileDigests>, PackageCheck> ExeIdentityCache::work_out(
    const FileKey& key, const Fd& file, std::string_view path) {
    if (!file || key.size > options_.max_file_bytes) {
        return {};
    }
    auto digests = digest_file(file.get(), options_.max_file_bytes);
    // A file rewritten while we read it has no single digest; the next request tries again.
    const auto after = file_key_of(file.get());
    if (!digests.ok() || !after || !same_content(*after, key)) {
        return {};
    }
    PackageCheck check;
    {
        const std::lock_guard lock(dpkg_mutex_);
        check = check_package(dpkg_, path, digests->md5);
    }
    return {std::move(*digests), std::move(check)};
}

void ExeIdentityCache::store(std::unique_lock<std::mutex>& /*lock*/, const FileKey& key,
                             std::optional<FileDigests> digests, std::string_view path,
                             PackageCheck check) {
    const auto found = entries_.find(key);
    if (!digests) {
        ++counters_.hash_failures;
        // Failures are not remembered: they are transient (process gone, file changed) or,
        // for oversized files, cheap to detect again from the key.
        if (found != entries_.end() && found->second.state == State::kHashing) {
            entries_.erase(found);
        }
        changed_.notify_all();
        return;
    }
    ++counters_.hashed;
    counters_.bytes_hashed += key.size;
    Entry& entry = found != entries_.end() ? found->second : entries_[key];
    entry.state = State::kReady;
    entry.file.reset();
    entry.digested = true;
    entry.digests = std::move(*digests);
    entry.checks.push_back({std::string(path), std::move(check), false});
    entry.sequence = next_sequence_++;
    order_.emplace_back(key, entry.sequence);
    evict_if_full();
    changed_.notify_all();
}

void ExeIdentityCache::evict_if_full() {
    while (entries_.size() > options_.capacity && !order_.empty()) {
        const auto [key, sequence] = order_.front();
        order_.pop_front();
        const auto found = entries_.find(key);
        if (found != entries_.end() && found->second.state == State::kReady &&
            found->second.sequence == sequence) {
            entries_.erase(found);
        }
    }
}

ExeIdentityCache::Answer ExeIdentityCache::identify(const FileKey& key, std::string_view path,
                                                    const std::function<Fd()>& open_exe) {
    std::unique_lock lock(mutex_);
    while (true) {
        auto found = entries_.find(key);
        if (found != entries_.end() && found->second.state == State::kHashing) {
            ++counters_.waited;
            changed_.wait(lock, [&] {
                const auto now = entries_.find(key);
                return now == entries_.end() || now->second.state != State::kHashing;
            });
            continue;
        }
        if (found != entries_.end() && found->second.state == State::kReady) {
            Entry& entry = found->second;
            auto check = std::find_if(entry.checks.begin(), entry.checks.end(),
                                      [&](const PathCheck& c) { return c.path == path; });
            if (check == entry.checks.end()) {
                // Same file, another path (a hard link, a bind mount): only the package differs.
                const std::string md5 = entry.digests.md5;
                lock.unlock();
                PackageCheck fresh;
                {
                    const std::lock_guard dpkg_lock(dpkg_mutex_);
                    fresh = check_package(dpkg_, path, md5);
                }
                lock.lock();
                found = entries_.find(key);
                if (found == entries_.end() || found->second.state != State::kReady) {
                    continue;
                }
                found->second.checks.push_back({std::string(path), std::move(fresh), false});
                check = std::prev(found->second.checks.end());
            } else {
                ++counters_.hits;
            }
            Answer answer;
            answer.identity.sha256 = found->second.digests.sha256;
            answer.identity.package = check->check.package;
            answer.identity.mismatched_package = check->check.mismatched_package;
            answer.first = !check->answered;
            check->answered = true;
            return answer;
        }
        Fd file;
        if (found != entries_.end()) {
            // Remembered but not started by the worker: hash it here rather than wait.
            file = std::move(found->second.file);
            found->second.state = State::kHashing;
            --pending_count_;
        } else {
            entries_[key].state = State::kHashing;
        }
        ++counters_.hashed_by_caller;
        lock.unlock();
        if (!file) {
            file = open_exe();
        }
        auto [digests, check] = work_out(key, file, path);
        lock.lock();
        if (!digests) {
            store(lock, key, std::nullopt, path, {});
            return {};
        }
        store(lock, key, std::move(digests), path, std::move(check));
    }
}

std::optional<ExeIdentityCache::Answer> ExeIdentityCache::identify_if_ready(
    const FileKey& key, std::string_view path, const std::function<Fd()>& open_exe) {
    {
        const std::lock_guard lock(mutex_);
        const auto found = entries_.find(key);
        if (found != entries_.end()) {
            Entry& entry = found->second;
            if (entry.state != State::kReady) {
                return std::nullopt;
            }
            ++counters_.hits;
            Answer answer;
            answer.identity.sha256 = entry.digests.sha256;
            const auto check = std::find_if(entry.checks.begin(), entry.checks.end(),
                                            [&](const PathCheck& c) { return c.path == path; });
            if (check != entry.checks.end()) {
                answer.identity.package = check->check.package;
                answer.identity.mismatched_package = check->check.mismatched_package;
                answer.first = !check->answered;
                check->answered = true;
            }
            return answer;
        }
    }
    if (options_.background) {
        remember(key, open_exe(), std::string(path));
    }
    return std::nullopt;
}

void ExeIdentityCache::run_worker(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (!changed_.wait(lock, stop, [&] { return !pending_.empty(); })) {
            return;
        }
        const FileKey key = pending_.front();
        pending_.pop_front();
        const auto found = entries_.find(key);
        if (found == entries_.end() || found->second.state != State::kPending) {
            continue;
        }
        Fd file = std::move(found->second.file);
        const std::string path = found->second.remembered_path;
        found->second.state = State::kHashing;
        --pending_count_;
        lock.unlock();
        auto [digests, check] = work_out(key, file, path);
        file.reset();
        lock.lock();
        store(lock, key, std::move(digests), path, std::move(check));
    }
}

}  // namespace sluice
