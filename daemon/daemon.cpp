#include "daemon/daemon.hpp"

#include <linux/netfilter.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "daemon/attribution/dns_attribution.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/bus_stack.hpp"
#include "daemon/clock.hpp"
#include "daemon/decision_log.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/interval_timer.hpp"
#include "daemon/live_flow_dict.hpp"
#include "daemon/logging.hpp"
#include "daemon/netfilter/conntrack_monitor.hpp"
#include "daemon/netfilter/firewall_setup.hpp"
#include "daemon/netfilter/nfqueue_socket.hpp"
#include "daemon/one_shot_timer.hpp"
#include "daemon/proc_attribution.hpp"
#include "daemon/rule_service.hpp"
#include "daemon/rule_watcher.hpp"
#include "daemon/service_notifier.hpp"
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

// --- DNS host names and live flows (dnsct) ---
// Records each fresh decision in the live flow table (so re-evaluation and ListConnections
// know the process, rule and decision of a flow), then passes every decision on.
class FlowRecorder final : public DecisionListener {
  public:
    FlowRecorder(DecisionListener& next, ConntrackMonitor* flows, const Clock& clock)
        : next_(next), flows_(flows), clock_(clock) {}
    void on_decision(const DecisionRecord& record) override {
        const bool fresh = record.reason != DecisionReason::kFlowCache &&
                           record.reason != DecisionReason::kUnparsable;
        if (flows_ != nullptr && fresh) {
            flows_->table().record_decision(record.connection, record.decision, record.rule_id,
                                            clock_.steady_now(), clock_.wall_now());
        }
        next_.on_decision(record);
    }

  private:
    DecisionListener& next_;
    ConntrackMonitor* flows_;  // nullptr when conntrack events are not available
    const Clock& clock_;
};

std::string tuple_text(const ConntrackTuple& tuple) {
    const auto endpoint = [](const IpAddress& address, std::uint16_t port) {
        return address.is_v4() ? fmt::format("{}:{}", address.to_string(), port)
                               : fmt::format("[{}]:{}", address.to_string(), port);
    };
    return fmt::format("{} {} -> {}", to_string(protocol_from_number(tuple.protocol)),
                       endpoint(tuple.source, tuple.source_port),
                       endpoint(tuple.destination, tuple.destination_port));
}
// --- end DNS host names and live flows ---

// The running daemon: owns every resource, all on the one thread that runs the event loop.
class Daemon {
  public:
    Daemon(DaemonOptions options, Config config, std::shared_ptr<spdlog::logger> logger)
        : options_(std::move(options)),
          config_(std::move(config)),
          logger_(std::move(logger)),
          decision_log_(
              logger_, clock_,
              logs_to_journal(config_.log.target) ? std::make_unique<SdJournalWriter>() : nullptr),
          notifier_(std::make_unique<SdNotifyChannel>(),
                    {ServiceNotifier::watchdog_timeout_from_environment()}, clock_,
                    [this] { return status_text(); }),
          rule_service_(config_.rules.dirs, config_.rules.state, clock_) {}

    int run();

  private:
    // Rules: the service (admin dirs + state file), inotify reload, SIGHUP, expiry timer.
    void start_rules();
    void reload_rules();
    void reload_rules_in_background();
    void rules_loaded(bool changed);
    void connect_rules_to_pipeline();
    Result<void> watch_rules();
    void watch_rule_sources();
    void prune_expired_rules();
    void on_signal();
    void on_queue_readable();
    void reload();
    void log_stats();
    // systemd integration (Type=notify): the notify timer, STATUS= text, errors logged once.
    Result<void> start_notify_timer();
    std::string status_text() const;
    void notify(const Result<void>& sent);
    void stop_firewall();
    // DNS host names and live flows: dns.observer, conntrack events, re-evaluation.
    Result<void> start_dns_and_flows(const MarkLayout& marks);
    Result<void> watch_dns_and_flows();
    void receive_flow_events();
    void reevaluate_flows(const RuleIndex& rules);
    std::string dns_and_flow_stats() const;
    // D-Bus (docs/dbus.md): org.sluice.Firewall1, authorization, prompt agents and broker.
    Result<void> start_bus();
    std::vector<VariantDict> live_connections() const;

    DaemonOptions options_;
    Config config_;
    std::shared_ptr<spdlog::logger> logger_;
    SystemClock clock_;
    DecisionLog decision_log_;
    ServiceNotifier notifier_;
    std::optional<IntervalTimer> notify_timer_;
    bool notify_failing_ = false;
    RuleService rule_service_;                 // publishes each new RuleIndex to the pipeline
    std::optional<RuleWatcher> rule_watcher_;  // empty when inotify is unavailable
    std::shared_ptr<const RuleIndex> index_before_reload_;  // while a reload runs
    bool ready_after_reload_ = false;                       // SIGHUP: READY=1 when loaded
    std::optional<IntervalTimer> rule_expiry_timer_;
    std::optional<EventLoop> loop_;
    Fd signals_;
    std::optional<NfqueueSocket> queue_;
    std::optional<FirewallSetup> firewall_;
    std::unique_ptr<ProcAttribution> attribution_;
    std::unique_ptr<DnsAttribution> dns_;            // wraps attribution_: host names first
    std::optional<ConntrackMonitor> flows_;          // empty without conntrack events
    std::optional<OneShotTimer> flow_resync_timer_;  // a deferred resync after a loss
    std::unique_ptr<FlowRecorder> flow_recorder_;    // records into flows_, then decision_log_
    std::unique_ptr<VerdictPipeline> pipeline_;
    std::unique_ptr<BusStack> bus_;  // empty with dbus.bus: none
    int exit_code_ = kExitClean;
};

// --- rules: loading, hot reload (inotify and SIGHUP), expiry ---
// How often expired state rules are removed from the state file. They stop matching at their
// exact instant anyway; this only keeps the file and rule listings tidy.
constexpr std::chrono::seconds kRuleExpiryInterval{60};

void Daemon::start_rules() {
    if (auto watcher = RuleWatcher::create(); watcher) {
        rule_watcher_.emplace(std::move(*watcher));
    } else {
        logger_->warn("{}; rule files are reloaded on SIGHUP only", watcher.error().message());
    }
    if (auto timer = IntervalTimer::create(kRuleExpiryInterval); timer) {
        rule_expiry_timer_.emplace(std::move(*timer));
    } else {
        logger_->warn("{}; expired state rules are removed at reloads only",
                      timer.error().message());
    }
    reload_rules();
}

// At start: the rules are in place before the queue is bound and READY=1 is sent.
void Daemon::reload_rules() {
    rule_service_.set_locations(config_.rules.dirs, config_.rules.state);
    const auto before = rule_service_.index();
    // A broken file keeps its last good rules; its problems are logged as FILE:LINE:COL.
    for (const auto& diagnostic : rule_service_.reload()) {
        logger_->error("{}", diagnostic.to_string());
    }
    rules_loaded(rule_service_.index() != before);
}

// Later reloads parse and index on the rule loader's thread while packets keep being decided
// by the current index; rules_loaded() follows when the new index is published.
void Daemon::reload_rules_in_background() {
    rule_service_.set_locations(config_.rules.dirs, config_.rules.state);
    index_before_reload_ = rule_service_.index();
    for (const auto& diagnostic : rule_service_.reload_in_background()) {
        logger_->error("{}", diagnostic.to_string());
    }
}

void Daemon::rules_loaded(bool changed) {
    if (changed) {
        logger_->info("loaded {} rules from {} and {}", rule_service_.index()->size(),
                      fmt::join(config_.rules.dirs, ", "), config_.rules.state);
    }
    watch_rule_sources();
    if (ready_after_reload_) {
        ready_after_reload_ = false;
        notify(notifier_.ready());
    }
}

// From now on every published index goes to the pipeline in one step, and live flows are
// re-evaluated against it.
void Daemon::connect_rules_to_pipeline() {
    const auto publish = [this](const std::shared_ptr<const RuleIndex>& index) {
        pipeline_->set_rules(index);
        if (attribution_) {
            attribution_->require_exe_identity(index->names_exe_identity());
        }
    };
    publish(rule_service_.index());
    rule_service_.on_loaded([this](const Diagnostics& diagnostics) {
        for (const auto& diagnostic : diagnostics) {
            logger_->error("{}", diagnostic.to_string());
        }
        rules_loaded(rule_service_.index() != index_before_reload_);
        index_before_reload_.reset();
    });
    rule_service_.on_change([this, publish] {
        const auto index = rule_service_.index();
        publish(index);
        reevaluate_flows(*index);
    });
}

Result<void> Daemon::watch_rules() {
    if (rule_watcher_) {
        auto watched = loop_->watch(rule_watcher_->fd(), [this] {
            if (rule_watcher_->on_readable()) {
                logger_->info("rule files changed; reloading rules");
                reload_rules_in_background();
            }
        });
        if (!watched) {
            return watched;
        }
    }
    if (auto watched = loop_->watch(rule_service_.background_fd(),
                                    [this] { rule_service_.finish_background_work(); });
        !watched) {
        return watched;
    }
    if (rule_expiry_timer_) {
        return loop_->watch(rule_expiry_timer_->fd(), [this] {
            rule_expiry_timer_->consume();
            prune_expired_rules();
        });
    }
    return {};
}

// The watched set follows the rules: list files come and go with the rules naming them.
void Daemon::watch_rule_sources() {
    if (!rule_watcher_) {
        return;
    }
    auto files = rule_service_.list_files();
    files.push_back(rule_service_.state_path());
    if (auto watched = rule_watcher_->watch(config_.rules.dirs, files); !watched) {
        logger_->warn("{}; changes there are picked up on SIGHUP only", watched.error().message());
    }
}

void Daemon::prune_expired_rules() {
    auto pruned = rule_service_.prune_expired(clock_.wall_now());
    if (!pruned) {
        logger_->error("{}", pruned.error().message());
    } else if (*pruned > 0) {
        logger_->info("removed {} expired state rules from {}", *pruned, config_.rules.state);
    }
}
// --- end rules ---

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
    start_rules();

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

    ProcessAttributor::Options attribution_options;
    attribution_options.queue_number = config_.queue.number;
    auto attribution = ProcAttribution::create(logger_, attribution_options);
    if (!attribution) {
        logger_->error("{}", attribution.error().message());
        return kExitCannotBind;
    }
    attribution_ = std::move(*attribution);
    if (auto started = start_dns_and_flows(*marks); !started) {
        logger_->error("{}", started.error().message());
        return kExitCannotBind;
    }
    pipeline_ =
        std::make_unique<VerdictPipeline>(pipeline_settings(config_, *marks, features.conntrack),
                                          *queue_, *dns_, clock_, *flow_recorder_);
    connect_rules_to_pipeline();
    if (auto bus = start_bus(); !bus) {
        logger_->error("{}", bus.error().message());
        return kExitCannotBind;
    }

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
    // Attribution: process and exec events keep the process table current between packets.
    for (const int fd : attribution_->event_fds()) {
        if (watched) {
            watched = loop_->watch(fd, [this] { attribution_->on_events_readable(); });
        }
    }
    // Every new connection waits for this thread, and attribution races processes that
    // connect and exit at once for their /proc entries: it runs ahead of ordinary processes.
    // Threads started before (the exe hashing worker) keep the default priority.
    // Under the unit, Nice= has done it already (its sandbox refuses setpriority).
    constexpr int kQueueThreadNice = -10;
    const auto thread = static_cast<id_t>(::gettid());
    errno = 0;
    const int nice_now = ::getpriority(PRIO_PROCESS, thread);
    if ((errno != 0 || nice_now > kQueueThreadNice) &&
        ::setpriority(PRIO_PROCESS, thread, kQueueThreadNice) != 0) {
        logger_->info("queue thread keeps nice {}: cannot raise it to {}: {}", nice_now,
                      kQueueThreadNice, std::strerror(errno));
    }
    if (watched) {
        watched = watch_dns_and_flows();
    }
    if (watched) {
        watched = watch_rules();
    }
    if (!watched) {
        logger_->error("{}", watched.error().message());
        stop_firewall();
        return kExitCannotBind;
    }
    if (auto timer = start_notify_timer(); !timer) {
        logger_->error("{}", timer.error().message());
        stop_firewall();
        return kExitCannotBind;
    }
    notify(notifier_.ready());
    logger_->info("sluiced ready: queue {}, fail {}, default_action {}", config_.queue.number,
                  to_string(config_.fail), to_string(config_.default_action));
    if (auto ran = loop_->run(); !ran) {
        logger_->error("{}", ran.error().message());
        exit_code_ = kExitCannotBind;
    }
    if (bus_) {
        bus_->stop();  // parked packets get prompt.fallback while the queue is still bound
    }
    notify(notifier_.stopping());
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
    if (attribution_) {
        attribution_->after_verdicts();
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
                // READY=1 once the new rules are in force (rules_loaded()).
                notify(notifier_.reloading());
                ready_after_reload_ = true;
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
        if (bus_) {
            bus_->apply_config();
        }
    } else {
        logger_->error("configuration {} has errors; keeping the running one",
                       options_.config_path);
    }
    reload_rules_in_background();  // the new index reaches the pipeline through on_change
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
    decision_log_.flush_suppressed();
    const auto& pipeline = pipeline_ ? pipeline_->counters() : VerdictPipeline::Counters{};
    const auto& queue = queue_ ? queue_->counters() : NfqueueSocket::Counters{};
    logger_->info(
        "stats: packets={} verdicts={} allowed={} denied={} rejected={} allowed_disabled={} "
        "flow_cache={} unparsable={} verdict_errors={} malformed={} overruns={} {} {}",
        pipeline.packets, queue.verdicts_sent, pipeline.allowed, pipeline.denied, pipeline.rejected,
        pipeline.allowed_disabled, pipeline.from_flow_cache, pipeline.unparsable,
        queue.verdict_errors, queue.malformed_messages, queue.receive_overruns,
        dns_and_flow_stats(), attribution_ ? attribution_->stats_text() : std::string());
}

// --- DNS host names and live flows (dnsct) ---
Result<void> Daemon::start_dns_and_flows(const MarkLayout& marks) {
    auto answers = open_dns_answer_source(config_.dns.observer);
    std::unique_ptr<DnsAnswerSource> source;
    if (answers) {
        source = std::move(*answers);
    } else if (config_.dns.observer == DnsObserver::kAuto) {
        logger_->warn("host names from DNS are not learned: {}", answers.error().message());
    } else {
        return answers.error();
    }
    const bool observing = source != nullptr;
    dns_ = std::make_unique<DnsAttribution>(*attribution_, std::move(source), DnsCache::Limits{},
                                            clock_);

    if (auto accounting = enable_conntrack_accounting(); !accounting) {
        logger_->warn("live flows have no byte counts: {}", accounting.error().message());
    }
    auto monitor = ConntrackMonitor::open(marks, ConntrackMonitor::Options{}, clock_.steady_now());
    if (monitor) {
        flows_.emplace(std::move(*monitor));
    } else {
        logger_->warn("live flows are not tracked, rule changes apply to new flows only: {}",
                      monitor.error().message());
    }
    flow_recorder_ =
        std::make_unique<FlowRecorder>(decision_log_, flows_ ? &*flows_ : nullptr, clock_);
    logger_->info("dns observer {}{}, live flows {}", to_string(config_.dns.observer),
                  observing ? "" : " (off)", flows_ ? "tracked" : "not tracked");
    return {};
}

Result<void> Daemon::watch_dns_and_flows() {
    // Answers are also drained before every decision; watching the socket keeps the ring from
    // filling up while nothing is queued.
    if (dns_->answers_fd() >= 0) {
        if (auto watched = loop_->watch(dns_->answers_fd(), [this] { dns_->drain(); }); !watched) {
            return watched;
        }
    }
    if (flows_) {
        if (auto timer = OneShotTimer::create(); timer) {
            flow_resync_timer_.emplace(std::move(*timer));
            auto watched = loop_->watch(flow_resync_timer_->fd(), [this] {
                flow_resync_timer_->consume();
                receive_flow_events();
            });
            if (!watched) {
                return watched;
            }
        } else {
            logger_->warn("{}; a resync after lost conntrack events waits for the next event",
                          timer.error().message());
        }
        return loop_->watch(flows_->fd(), [this] { receive_flow_events(); });
    }
    return {};
}

// A loss found less than min_resync_interval after the last resync defers the next one; the
// timer brings it about even when no further event arrives, or the flow table would stay
// stale (e.g. after a flush whose DESTROY events overran the socket during a dump).
void Daemon::receive_flow_events() {
    const auto now = clock_.steady_now();
    if (auto received = flows_->receive(now); !received) {
        logger_->warn("{}", received.error().message());
    }
    if (const auto deferred = flows_->resync_deferred_until(); deferred && flow_resync_timer_) {
        if (auto armed = flow_resync_timer_->arm(*deferred - now); !armed) {
            logger_->warn("{}", armed.error().message());
        }
    }
}

void Daemon::reevaluate_flows(const RuleIndex& rules) {
    if (!flows_ || !pipeline_->enabled()) {
        return;
    }
    for (const auto& applied :
         flows_->reevaluate(rules, config_.default_action, clock_.wall_now())) {
        const auto& change = applied.change;
        logger_->info("re-evaluated live flow {}: {} -> {} rule={}", tuple_text(change.original),
                      to_string(change.from), to_string(change.to),
                      change.rule_id.empty() ? "-" : change.rule_id);
        if (applied.error) {
            logger_->warn("{}", applied.error->message());
        }
    }
}

std::string Daemon::dns_and_flow_stats() const {
    const std::size_t dns_addresses = dns_ ? dns_->cache().size() : 0;
    const std::uint64_t dns_answers = dns_ ? dns_->cache().counters().answers : 0;
    if (!flows_) {
        return fmt::format("dns_addresses={} dns_answers={} flows=0", dns_addresses, dns_answers);
    }
    const auto& monitor = flows_->counters();
    const auto& table = flows_->table().counters();
    return fmt::format(
        "dns_addresses={} dns_answers={} flows={} flows_pending={} flows_dropped={} "
        "conntrack_events={} conntrack_losses={} conntrack_resyncs={} flows_remarked={}",
        dns_addresses, dns_answers, flows_->table().size(), flows_->table().pending(),
        table.dropped_full, monitor.events, monitor.losses, monitor.resyncs, monitor.marks_written);
}
// --- end DNS host names and live flows ---

// --- D-Bus (docs/dbus.md) ---
Result<void> Daemon::start_bus() {
    if (config_.dbus.bus.kind == BusKind::kNone) {
        logger_->info("dbus.bus is none: no D-Bus service, prompts decided by prompt.no_agent");
        return {};
    }
    BusStackParts parts{config_,
                        *loop_,
                        *pipeline_,
                        rule_service_,
                        clock_,
                        logger_,
                        [this] {
                            if (auto flushed = queue_->flush(); !flushed) {
                                logger_->error("{}", flushed.error().message());
                            }
                        },
                        [this] { reload(); },
                        [this] { return live_connections(); }};
    auto bus = BusStack::start(std::move(parts));
    if (!bus) {
        return bus.error();
    }
    bus_ = std::move(*bus);
    rule_service_.on_change([this] { bus_->rules_changed(); });
    return {};
}

std::vector<VariantDict> Daemon::live_connections() const {
    std::vector<VariantDict> connections;
    if (flows_) {
        for (const auto& flow : flows_->flows()) {
            connections.push_back(live_flow_dict(flow));
        }
    }
    return connections;
}
// --- end D-Bus ---

Result<void> Daemon::start_notify_timer() {
    const auto interval = notifier_.tick_interval();
    if (interval.count() == 0) {
        return {};
    }
    auto timer = IntervalTimer::create(interval);
    if (!timer) {
        return timer.error();
    }
    notify_timer_.emplace(std::move(*timer));
    return loop_->watch(notify_timer_->fd(), [this] {
        if (notify_timer_->consume() > 0) {
            notify(notifier_.tick());
        }
    });
}

std::string Daemon::status_text() const {
    if (!pipeline_) {
        return "Starting";
    }
    const auto& counters = pipeline_->counters();
    return fmt::format("{} on queue {} (fail {}): {} allowed, {} denied, {} rejected, {} packets",
                       pipeline_->enabled() ? "Filtering" : "Filtering switched off",
                       config_.queue.number, to_string(config_.fail),
                       counters.allowed + counters.allowed_disabled, counters.denied,
                       counters.rejected, counters.packets);
}

void Daemon::notify(const Result<void>& sent) {
    // Logged once per failure streak: a broken notify socket would otherwise log every tick.
    if (!sent && !notify_failing_) {
        logger_->warn("{}", sent.error().message());
    }
    notify_failing_ = !sent;
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
