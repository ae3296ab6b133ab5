#include "daemon/rule_loader.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace sluice {

std::shared_ptr<const RulesById> rules_by_id(const std::vector<SharedRules>& groups) {
    auto by_id = std::make_shared<RulesById>();
    std::size_t count = 0;
    for (const auto& group : groups) {
        count += group ? group->size() : 0;
    }
    by_id->reserve(count);
    for (const auto& group : groups) {
        if (group) {
            for (const auto& rule : *group) {
                by_id->emplace(rule.id, &rule);
            }
        }
    }
    return by_id;
}

Result<std::unique_ptr<RuleLoader>> RuleLoader::create() {
    Fd ready(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!ready) {
        return Error::from_errno("cannot create the rule loader's eventfd");
    }
    return std::make_unique<RuleLoader>(Private{}, std::move(ready));
}

RuleLoader::RuleLoader(Private /*only create()*/, Fd ready)
    : ready_(std::move(ready)), admin_by_id_(std::make_shared<const RulesById>()) {
    // The worker starts with every signal blocked, so SIGTERM and SIGHUP reach the daemon's
    // signalfd whether or not the creating thread blocked them yet.
    sigset_t all{};
    sigset_t before{};
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before);
    worker_ = std::jthread([this](const std::stop_token& stop) { run_worker(stop); });
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

RuleLoader::~RuleLoader() {
    worker_.request_stop();
    worker_.join();
}

RuleLoader::Outcome RuleLoader::load(const Request& request) {
    const std::lock_guard lock(catalog_mutex_);
    Outcome outcome;
    outcome.generation = request.generation;
    if (request.reload_admin) {
        outcome.diagnostics = catalog_.load(request.admin_dirs, "");
        auto groups = catalog_.groups();
        if (groups != admin_groups_) {
            admin_groups_ = std::move(groups);
            admin_by_id_ = rules_by_id(admin_groups_);
        }
        outcome.admin_reloaded = true;
        ++admin_version_;
    }
    outcome.admin_version = admin_version_;
    outcome.admin_groups = admin_groups_;
    outcome.admin_by_id = admin_by_id_;
    auto groups = admin_groups_;
    groups.push_back(request.state);
    // A reload that found every file as it was (the daemon's own state saves trigger one)
    // would otherwise build a whole index only for the caller to throw it away.
    if (groups != request.current) {
        outcome.index = std::make_shared<const RuleIndex>(std::move(groups));
    }
    return outcome;
}

void RuleLoader::submit(Request request) {
    {
        const std::lock_guard lock(mutex_);
        if (queued_ && queued_->reload_admin && !request.reload_admin) {
            request.reload_admin = true;
            request.admin_dirs = std::move(queued_->admin_dirs);
        }
        queued_ = std::move(request);
    }
    queued_changed_.notify_one();
}

std::optional<RuleLoader::Outcome> RuleLoader::take() {
    std::uint64_t count = 0;
    while (::read(ready_.get(), &count, sizeof count) > 0) {
    }
    const std::lock_guard lock(mutex_);
    std::optional<Outcome> outcome = std::move(finished_);
    finished_.reset();
    return outcome;
}

void RuleLoader::run_worker(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (!queued_changed_.wait(lock, stop, [&] { return queued_.has_value(); })) {
            return;
        }
        const Request request = std::move(*queued_);
        queued_.reset();
        lock.unlock();
        Outcome outcome = load(request);
        lock.lock();
        if (finished_ && finished_->admin_reloaded) {
            // The older outcome was never taken: its reload's diagnostics still need reporting.
            outcome.diagnostics.insert(outcome.diagnostics.begin(), finished_->diagnostics.begin(),
                                       finished_->diagnostics.end());
            outcome.admin_reloaded = true;
        }
        finished_ = std::move(outcome);
        const std::uint64_t one = 1;
        // The eventfd cannot overflow here: take() drains it.
        [[maybe_unused]] const auto written = ::write(ready_.get(), &one, sizeof one);
    }
}

}  // namespace sluice
