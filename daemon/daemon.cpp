#include "daemon/daemon.hpp"

#include <linux/netfilter.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "daemon/base/fd.hpp"
#include "daemon/clock.hpp"
#include "daemon/decision_log.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/logging.hpp"
#include "daemon/netfilter/firewall_setup.hpp"
#include "daemon/netfilter/nfqueue_socket.hpp"
#include "daemon/proc_attribution.hpp"
#include "daemon/verdict_pipeline.hpp"
#include "rules/rule_catalog.hpp"

namespace sluice {

namespace {

// Packets handled per readiness event before the loop looks at its other sources again, so a
// flood cannot starve signal handling.
constexpr std::size_t kPacketsPerWakeup = 1024;

void print_diagnostics(const Diagnostics& diagnostics) {
    for (const auto& diagnostic : diagnostics) {
        std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
    }
}

Result<Fd> open_signal_fd() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : {SIGHUP, SIGTERM, SIGINT, SIGUSR1}) {
        sigaddset(&signals, signal);
    }
    // Blocked before any thread exists, so every thread inherits the mask and the signals are
    // only ever read from the signalfd in the event loop.
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
        return Error::from_errno("cannot block signals");
    }
    Fd fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) {
        return Error::from_errno("cannot create signalfd");
    }
    return fd;
}

PipelineSettings pipeline_settings(const Config& config, const MarkLayout& marks,
                                   bool conntrack_glue) {
    PipelineSettings settings{marks};
    settings.default_action = config.default_action;
    settings.no_agent = config.prompt.no_agent;
    settings.fail_open = config.fail == FailPosture::kOpen;
    settings.set_conntrack_mark = conntrack_glue;
    return settings;
}

// The running daemon: owns every resource, all on the one thread that runs the event loop.
class Daemon {
  public:
    Daemon(DaemonOptions options, Config config, std::shared_ptr<spdlog::logger> logger)
        : options_(std::move(options)),
          config_(std::move(config)),
          logger_(std::move(logger)),
          decision_log_(logger_) {}

    int run();

  private:
    std::shared_ptr<const RuleIndex> load_rules();
    void on_signal();
    void on_queue_readable();
    void reload();
    void log_stats();
    void stop_firewall();

    DaemonOptions options_;
    Config config_;
    std::shared_ptr<spdlog::logger> logger_;
    DecisionLog decision_log_;
    SystemClock clock_;
    RuleCatalog catalog_;
    std::optional<EventLoop> loop_;
    Fd signals_;
    std::optional<NfqueueSocket> queue_;
    std::optional<FirewallSetup> firewall_;
    std::unique_ptr<ProcAttribution> attribution_;
    std::unique_ptr<VerdictPipeline> pipeline_;
    int exit_code_ = kExitClean;
};

std::shared_ptr<const RuleIndex> Daemon::load_rules() {
    const Diagnostics diagnostics = catalog_.load(config_.rules.dirs, config_.rules.state);
    for (const auto& diagnostic : diagnostics) {
        logger_->error("{}", diagnostic.to_string());
    }
    auto index = std::make_shared<const RuleIndex>(catalog_.rules());
    logger_->info("loaded {} rules from {} and {}", index->size(),
                  fmt::join(config_.rules.dirs, ", "), config_.rules.state);
    return index;
}

int Daemon::run() {
    auto signals = open_signal_fd();
    if (!signals) {
        logger_->error("{}", signals.error().message());
        return kExitCannotBind;
    }
    signals_ = std::move(*signals);
    auto loop = EventLoop::create();
    if (!loop) {
        logger_->error("{}", loop.error().message());
        return kExitCannotBind;
    }
    loop_.emplace(std::move(*loop));

    const auto marks = MarkLayout::from_mask(config_.firewall.mark_mask);
    if (!marks) {
        logger_->error("firewall.mark_mask {:#010x} is not a contiguous mask of 3 or more bits",
                       config_.firewall.mark_mask);
        return kExitBadConfig;
    }
    auto rules = load_rules();

    NfqueueSocket::Options queue_options;
    queue_options.queue_number = config_.queue.number;
    queue_options.max_len = config_.queue.max_len;
    queue_options.fail_open = config_.fail == FailPosture::kOpen;
    auto queue = NfqueueSocket::open(queue_options);
    if (!queue) {
        logger_->error("{}", queue.error().message());
        return kExitCannotBind;
    }
    queue_.emplace(std::move(*queue));
    const auto& features = queue_->features();
    logger_->info("bound NFQUEUE {} (conntrack glue: {}, uid/gid: {}, gso: {}, fail-open: {})",
                  config_.queue.number, features.conntrack ? "yes" : "no, using CONNMARK",
                  features.uid_gid ? "yes" : "no", features.gso ? "yes" : "no",
                  features.fail_open ? "yes" : "no");

    auto attribution = ProcAttribution::create(logger_);
    if (!attribution) {
        logger_->error("{}", attribution.error().message());
        return kExitCannotBind;
    }
    attribution_ = std::move(*attribution);
    pipeline_ =
        std::make_unique<VerdictPipeline>(pipeline_settings(config_, *marks, features.conntrack),
                                          *queue_, *attribution_, clock_, decision_log_);
    pipeline_->set_rules(std::move(rules));

    // Chains go in after the queue is bound: with fail: closed a queue rule without a listener
    // would drop every new connection in between.
    if (config_.firewall.backend != FirewallBackend::kNone) {
        const auto tool = resolve_firewall_tool(to_string(config_.firewall.backend));
        if (!tool) {
            logger_->error("no firewall tool found for firewall.backend {}",
                           to_string(config_.firewall.backend));
            return kExitCannotBind;
        }
        const FirewallPlan plan{config_.queue.number, config_.fail == FailPosture::kOpen, *marks,
                                config_.firewall.inbound};
        auto firewall = FirewallSetup::install(*tool, plan);
        if (!firewall) {
            logger_->error("{}", firewall.error().message());
            return kExitCannotBind;
        }
        firewall_.emplace(std::move(*firewall));
        logger_->info("installed firewall chains with {}", to_string(*tool));
        if (const auto& why = firewall_->ipv6_unavailable()) {
            logger_->warn("IPv6 is not filtered: {}", why->message());
        }
    }

    auto watched = loop_->watch(queue_->fd(), [this] { on_queue_readable(); });
    if (watched) {
        watched = loop_->watch(signals_.get(), [this] { on_signal(); });
    }
    if (!watched) {
        logger_->error("{}", watched.error().message());
        stop_firewall();
        return kExitCannotBind;
    }
    sd_notify(0, "READY=1");
    logger_->info("sluiced ready: queue {}, fail {}, default_action {}", config_.queue.number,
                  to_string(config_.fail), to_string(config_.default_action));
    if (auto ran = loop_->run(); !ran) {
        logger_->error("{}", ran.error().message());
        exit_code_ = kExitCannotBind;
    }
    sd_notify(0, "STOPPING=1");
    stop_firewall();
    log_stats();
    return exit_code_;
}

void Daemon::on_queue_readable() {
    auto handled = queue_->receive(
        [this](const QueuedPacket& packet) { pipeline_->on_packet(packet); }, kPacketsPerWakeup);
    if (!handled) {
        logger_->error("{}", handled.error().message());
    }
    if (auto flushed = queue_->flush(); !flushed) {
        logger_->error("{}", flushed.error().message());
    }
}

void Daemon::on_signal() {
    signalfd_siginfo info{};
    while (::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        switch (info.ssi_signo) {
            case SIGTERM:
            case SIGINT:
                logger_->info("stopping on signal {}", info.ssi_signo);
                loop_->stop();
                break;
            case SIGHUP:
                reload();
                break;
            case SIGUSR1:
                log_stats();
                break;
            default:
                break;
        }
    }
}

void Daemon::reload() {
    logger_->info("reloading configuration and rules");
    if (auto config = load_daemon_config(options_)) {
        if (config->queue.number != config_.queue.number ||
            config->queue.max_len != config_.queue.max_len || config->fail != config_.fail ||
            config->firewall.backend != config_.firewall.backend ||
            config->firewall.mark_mask != config_.firewall.mark_mask ||
            config->firewall.inbound != config_.firewall.inbound) {
            logger_->warn("queue, fail and firewall settings change only on restart");
        }
        config_.default_action = config->default_action;
        config_.prompt = config->prompt;
        config_.rules = config->rules;
        pipeline_->set_policy(config_.default_action, config_.prompt.no_agent);
    } else {
        logger_->error("configuration {} has errors; keeping the running one",
                       options_.config_path);
    }
    pipeline_->set_rules(load_rules());
    if (firewall_) {
        auto intact = firewall_->verify();
        if (!intact || !*intact) {
            logger_->warn("firewall chains were changed behind our back; installing them again");
            if (auto reinstalled = firewall_->reinstall(); !reinstalled) {
                logger_->error("{}", reinstalled.error().message());
            }
        }
    }
}

void Daemon::log_stats() {
    const auto& pipeline = pipeline_ ? pipeline_->counters() : VerdictPipeline::Counters{};
    const auto& queue = queue_ ? queue_->counters() : NfqueueSocket::Counters{};
    logger_->info(
        "stats: packets={} verdicts={} allowed={} denied={} rejected={} allowed_disabled={} "
        "flow_cache={} unparsable={} verdict_errors={} malformed={} overruns={}",
        pipeline.packets, queue.verdicts_sent, pipeline.allowed, pipeline.denied, pipeline.rejected,
        pipeline.allowed_disabled, pipeline.from_flow_cache, pipeline.unparsable,
        queue.verdict_errors, queue.malformed_messages, queue.receive_overruns);
}

void Daemon::stop_firewall() {
    if (!firewall_) {
        return;
    }
    if (config_.fail == FailPosture::kOpen) {
        if (auto removed = firewall_->remove(); !removed) {
            logger_->error("{}", removed.error().message());
        } else {
            logger_->info("removed firewall chains (fail: open)");
        }
    } else {
        firewall_->release();
        logger_->info(
            "left the queue rule in place (fail: closed): new connections fail until "
            "sluiced runs again");
    }
    firewall_.reset();
}

}  // namespace

std::optional<Config> load_daemon_config(const DaemonOptions& options) {
    Diagnostics diagnostics;
    if (!options.config_path_given && !std::filesystem::exists(options.config_path)) {
        return default_config();
    }
    auto config = load_config_file(options.config_path, diagnostics);
    print_diagnostics(diagnostics);
    if (!config) {
        return std::nullopt;
    }
    if (options.log_level) {
        config->log.level = *options.log_level;
    }
    return config;
}

int check_configuration(const DaemonOptions& options) {
    Diagnostics diagnostics;
    std::optional<Config> config = default_config();
    if (options.config_path_given || std::filesystem::exists(options.config_path)) {
        config = load_config_file(options.config_path, diagnostics);
    }
    // Rules are checked with the rule locations of the config, or the defaults when the
    // config itself is broken, so one run reports every problem there is.
    const Config& effective = config ? *config : default_config();
    RuleCatalog catalog;
    const Diagnostics rule_diagnostics = catalog.load(effective.rules.dirs, effective.rules.state);
    diagnostics.insert(diagnostics.end(), rule_diagnostics.begin(), rule_diagnostics.end());
    print_diagnostics(diagnostics);
    return diagnostics.empty() ? kExitClean : kExitBadConfig;
}

int run_daemon(const DaemonOptions& options, Config config) {
    auto logger = make_logger(config.log.target, config.log.level);
    Daemon daemon(options, std::move(config), std::move(logger));
    return daemon.run();
}

}  // namespace sluice
