#include "daemon/scoped_rules.hpp"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "daemon/rule_service.hpp"

namespace sluice {

namespace {

int open_pidfd(std::uint32_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
}

}  // namespace

ScopedRules::ScopedRules(RuleService& rules, std::string state_path, EventLoop& loop,
                         std::shared_ptr<spdlog::logger> logger,
                         std::function<void(const std::string&)> removed)
    : rules_(rules),
      state_path_(std::move(state_path)),
      loop_(loop),
      logger_(std::move(logger)),
      removed_(std::move(removed)),
      deferred_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (deferred_) {
        if (auto watched = loop_.watch(deferred_.get(), [this] { on_deferred(); }); !watched) {
            logger_->warn("{}", watched.error().message());
        }
    }
}

ScopedRules::~ScopedRules() {
    for (const auto& [pid, fd] : watched_) {
        loop_.unwatch(fd.get());
    }
    if (deferred_) {
        loop_.unwatch(deferred_.get());
    }
}

void ScopedRules::drop_stale() {
    std::vector<std::string> stale;
    for (const auto& rule : rules_.rules()) {
        if (rule.source.file == state_path_ &&
            (rule.scope == Scope::kSession || rule.scope == Scope::kUntilRestart ||
             rule.scope == Scope::kProcess)) {
            stale.push_back(rule.id);
        }
    }
    for (const auto& id : stale) {
        if (auto removed = rules_.remove_rule(id); !removed) {
            logger_->warn("cannot drop rule {} of an earlier run: {}", id,
                          removed.error().message());
        } else {
            logger_->info("dropped rule {}: its scope ended with the earlier run", id);
        }
    }
}

void ScopedRules::watch_processes() {
    std::unordered_set<std::uint32_t> pids;
    for (const auto& rule : rules_.rules()) {
        if (rule.scope == Scope::kProcess && rule.pid && rule.source.file == state_path_) {
            pids.insert(*rule.pid);
        }
    }
    for (auto it = watched_.begin(); it != watched_.end();) {
        if (pids.count(it->first) == 0) {
            loop_.unwatch(it->second.get());
            it = watched_.erase(it);
        } else {
            ++it;
        }
    }
    for (const std::uint32_t pid : pids) {
        if (watched_.count(pid) != 0) {
            continue;
        }
        Fd pidfd(open_pidfd(pid));
        if (!pidfd) {
            if (errno == ESRCH) {
                gone_.push_back(pid);
                const std::uint64_t one = 1;
                (void)!::write(deferred_.get(), &one, sizeof one);
            } else {
                logger_->warn("cannot watch process {} of a process rule: {}", pid,
                              std::strerror(errno));
            }
            continue;
        }
        const int fd = pidfd.get();
        if (auto watched = loop_.watch(fd, [this, pid] { remove_rules_of(pid); }); !watched) {
            logger_->warn("{}", watched.error().message());
            continue;
        }
        watched_.emplace(pid, std::move(pidfd));
    }
}

void ScopedRules::on_deferred() {
    std::uint64_t value = 0;
    (void)!::read(deferred_.get(), &value, sizeof value);
    auto gone = std::move(gone_);
    gone_.clear();
    for (const std::uint32_t pid : gone) {
        remove_rules_of(pid);
    }
}

void ScopedRules::remove_rules_of(std::uint32_t pid) {
    if (const auto found = watched_.find(pid); found != watched_.end()) {
        loop_.unwatch(found->second.get());
        watched_.erase(found);
    }
    std::vector<std::string> ids;
    for (const auto& rule : rules_.rules()) {
        if (rule.scope == Scope::kProcess && rule.pid == pid && rule.source.file == state_path_) {
            ids.push_back(rule.id);
        }
    }
    for (const auto& id : ids) {
        if (auto removed = rules_.remove_rule(id); !removed) {
            logger_->warn("cannot remove rule {} of exited process {}: {}", id, pid,
                          removed.error().message());
            continue;
        }
        logger_->info("removed rule {}: process {} exited", id, pid);
        removed_(id);
    }
}

}  // namespace sluice
