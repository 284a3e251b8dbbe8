// `zerobus-arrow send`: reads each input batch by batch and keeps a bounded window of batches in
// flight; results are taken in order for the counters, the quarantine file and the progress.
#include "send_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "arrow_zerobus/wrapper.h"
#include "input_readers.h"
#include "progress_reporter.h"
#include "quarantine_writer.h"
#include "send_args.h"
#include "send_checkpoint.h"
#include "send_tally.h"

namespace arrow_zerobus::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kPrefix[] = "zerobus-arrow send: ";
constexpr std::chrono::milliseconds kPollInterval{100};

// Interrupts (SIGINT, SIGTERM) seen while a send runs.
std::atomic<int> g_interrupts{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

extern "C" void OnInterrupt(int signal) {
  // The first stops reading, the second stops waiting; should stopping itself hang, a third
  // ends the process the default way.
  if (g_interrupts.fetch_add(1) + 1 >= 2) std::signal(signal, SIG_DFL);
}

// Catches SIGINT and SIGTERM while a send runs, so that the summary and the quarantine file are
// always finished.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupts = 0;
    previous_int_ = std::signal(SIGINT, OnInterrupt);
    previous_term_ = std::signal(SIGTERM, OnInterrupt);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, previous_int_ == SIG_ERR ? SIG_DFL : previous_int_);
    std::signal(SIGTERM, previous_term_ == SIG_ERR ? SIG_DFL : previous_term_);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  void (*previous_int_)(int) = SIG_DFL;
  void (*previous_term_)(int) = SIG_DFL;
};

// A whole batch refused for a reason that will hit the next batches too.
bool IsStreamFailure(const TransmissionResult& result) {
  return !result.error.ok() && result.successful_count == 0 && result.failed_count > 0 &&
         result.error.kind() != ErrorKind::kConversion &&
         result.error.code() != StatusCode::kCancelled;
}

struct InFlight {
  std::shared_ptr<arrow::RecordBatch> batch;
  BatchFuture future;
  int64_t first_row = 0;
  size_t input = 0;
  /// Rows that could not be read (CSV): failed without being sent; `future` is then invalid.
  std::optional<TransmissionResult> unread;
};

// The outcome of rows that failed while being read: every row of `batch` failed.
TransmissionResult UnreadRows(const arrow::RecordBatch& batch, std::vector<RowFailure> failures) {
  TransmissionResult result;
  result.total_rows = batch.num_rows();
  result.failed_count = batch.num_rows();
  result.failed_rows = std::move(failures);
  result.error = result.failed_rows.front().error;
  return result;
}

/// How every input of a send is read.
InputOptions InputOptionsOf(const SendArgs& args) {
  InputOptions options;
  options.format = args.format;
  options.batch_rows = args.batch_rows;
  options.csv = args.csv;
  return options;
}

struct InputProgress {
  int64_t size = 0;
  std::optional<int64_t> total_rows;
  int64_t rows_done = 0;
  std::function<int64_t()> bytes_read;
  bool opened = false;
  bool finished = false;  ///< read to the end, or failed
};

class Sender {
 public:
  /// `checkpoint` (optional) is told of every batch; rows in `landed` are skipped.
  Sender(const SendArgs& args, ZerobusWrapper& wrapper, const SendContext& context,
         SendTally& tally, SendCheckpoint* checkpoint = nullptr, RowRanges landed = {})
      : args_(args),
        wrapper_(wrapper),
        context_(context),
        tally_(tally),
        checkpoint_(checkpoint),
        landed_(std::move(landed)) {
    for (const fs::path& path : args.inputs) {
      std::error_code error;
      const auto size = fs::file_size(path, error);
      InputProgress input;
      input.size = error ? 0 : static_cast<int64_t>(size);
      inputs_.push_back(std::move(input));
      tally_.inputs.push_back({path, "", 0, 0, Status::OK()});
    }
    if (!args.quiet) {
      ProgressReporter::Options options;
      options.terminal = context.err_is_terminal;
      options.width = context.terminal_columns;
      progress_ = std::make_unique<ProgressReporter>(context.err, options);
    }
    if (args.quarantine.has_value()) {
      quarantine_ = std::make_unique<QuarantineWriter>(*args.quarantine);
      tally_.quarantine_requested = true;
    }
  }

  void SendAll() {
    for (size_t i = 0; i < args_.inputs.size() && !Stopping(); ++i) SendInput(i);
    if (Stopping() && !tally_.interrupted) {
      for (const InFlight& pending : window_) pending.future.cancel();
    }
    while (!window_.empty()) CompleteOldest();
    if (progress_ != nullptr) progress_->Finish(Snapshot());
    if (quarantine_ != nullptr) {
      const Status closed = quarantine_->Close(first_schema_);
      if (!closed.ok()) Report(closed);
      tally_.quarantine_files = quarantine_->files();
      tally_.quarantine_rows = quarantine_->rows_written();
    }
  }

  /// Every input was read to its end and every batch's result is in, with no stream failure:
  /// nothing is left to send.
  bool Finished() const {
    if (!tally_.stopped.ok() || tally_.interrupted) return false;
    for (const InputTally& input : tally_.inputs) {
      if (!input.error.ok()) return false;
    }
    return std::all_of(inputs_.begin(), inputs_.end(),
                       [](const InputProgress& input) { return input.finished; });
  }

 private:
  // Whether reading stops: a stream failure, or an interrupt. On the first interrupt the batches
  // not yet handed to the stream are given up and the ones in flight get args_.stop_timeout to
  // be acknowledged; after that, or at a second interrupt, the wrapper stops at once and their
  // rows are reported failed.
  bool Stopping() {
    const int interrupts = g_interrupts.load();
    if (interrupts > 0 && !tally_.interrupted) {
      tally_.interrupted = true;
      tally_.stopped = Status(StatusCode::kCancelled, ErrorKind::kTransmission, "interrupted");
      for (const InFlight& pending : window_) pending.future.cancel();
      stop_deadline_ = std::chrono::steady_clock::now() + args_.stop_timeout;
      Message("interrupted: no more rows are read; waiting up to " +
              FormatFixed(std::chrono::duration<double>(args_.stop_timeout).count(), 0) +
              " s for " + std::to_string(window_.size()) +
              " batch(es) in flight to be acknowledged (interrupt again to stop now)");
    }
    if (tally_.interrupted && !gave_up_ &&
        (interrupts >= 2 || std::chrono::steady_clock::now() >= stop_deadline_)) {
      gave_up_ = true;
      Message(
          "stopping now: rows not acknowledged yet are reported failed (they may have "
          "landed)");
      (void)wrapper_.shutdown(std::chrono::milliseconds(0));
    }
    return !tally_.stopped.ok();
  }

  void Message(const std::string& text) {
    if (progress_ != nullptr) progress_->BreakLine();
    context_.err << kPrefix << text << "\n" << std::flush;
  }

  void Report(const Status& error) {
    Message(error.message());
    tally_.errors.push_back(error);
  }

  void SendInput(size_t index) {
    InputTally& input = tally_.inputs[index];
    InputProgress& progress = inputs_[index];
    input.first_row = next_row_;
    if (auto format = DetectInputFormat(args_.inputs[index], args_.format); format.ok()) {
      input.format = std::string(InputFormatName(*format));
    }
    auto source = OpenInput(args_.inputs[index], InputOptionsOf(args_));
    progress.opened = true;
    if (!source.ok()) {
      input.error = source.status();
      progress.finished = true;
      Message(input.error.message());
      return;
    }
    progress.total_rows = source->total_rows;
    progress.bytes_read = source->bytes_read;
    // A column type the wire format cannot send is one configuration error, not an error per row.
    if (Status sendable = wrapper_.check_schema(source->reader->schema()); !sendable.ok()) {
      input.error = sendable;
      progress.finished = true;
      Report(Status(sendable.code(), sendable.kind(),
                    args_.inputs[index].string() + ": " + sendable.message()));
      tally_.stopped = sendable;
      return;
    }
    if (first_schema_ == nullptr) first_schema_ = source->reader->schema();
    if (quarantine_ != nullptr) {
      // Refused before anything is sent: the failed rows would have nowhere to go.
      if (Status fits = quarantine_->CheckInputSchema(*source->reader->schema()); !fits.ok()) {
        Report(fits);
        tally_.stopped = fits;
        progress.finished = true;
        return;
      }
    }
    while (!Stopping()) {
      std::shared_ptr<arrow::RecordBatch> batch;
      const arrow::Status read = source->reader->ReadNext(&batch);
      if (!read.ok()) {
        input.error = IoError("cannot read " + read.message());
        Message(input.error.message());
        break;
      }
      if (batch == nullptr) break;
      std::vector<RowFailure> unread;
      if (source->take_row_errors) unread = source->take_row_errors();
      if (!Enqueue(batch, std::move(unread), index)) break;
      UpdateProgress();
    }
    progress.finished = true;
    progress.bytes_read = nullptr;
  }

  // Sends `batch` in runs: rows read well go to the wrapper, runs of rows that could not be read
  // (`unread`, by row) are failed at once, all in input order. False when an interrupt came
  // while waiting for room in the window (nothing more is sent).
  bool Enqueue(const std::shared_ptr<arrow::RecordBatch>& batch, std::vector<RowFailure> unread,
               size_t input) {
    std::sort(unread.begin(), unread.end(),
              [](const RowFailure& a, const RowFailure& b) { return a.row < b.row; });
    size_t next_failure = 0;
    int64_t start = 0;
    while (start < batch->num_rows()) {
      const bool bad = next_failure < unread.size() && unread[next_failure].row == start;
      int64_t end = start;
      std::vector<RowFailure> failures;
      while (end < batch->num_rows()) {
        const bool row_bad = next_failure < unread.size() && unread[next_failure].row == end;
        if (row_bad != bad) break;
        if (row_bad) failures.push_back({end - start, unread[next_failure++].error});
        ++end;
      }
      auto run =
          (start == 0 && end == batch->num_rows()) ? batch : batch->Slice(start, end - start);
      while (static_cast<int>(window_.size()) >= args_.window) CompleteOldest();
      if (Stopping()) return false;  // an interrupt while waiting for room: not sent
      if (bad) {
        window_.push_back({run, BatchFuture(), next_row_, input, UnreadRows(*run, failures)});
        next_row_ += run->num_rows();
        tally_.inputs[input].rows_read += run->num_rows();
      } else {
        SendRun(run, input);
      }
      start = end;
    }
    return true;
  }

  // Sends rows read well, except those an earlier run landed (--checkpoint), which are counted
  // and skipped.
  void SendRun(const std::shared_ptr<arrow::RecordBatch>& run, size_t input) {
    const int64_t first = next_row_;
    const int64_t end = first + run->num_rows();
    std::vector<std::pair<int64_t, int64_t>> to_send = {{first, end}};
    if (checkpoint_ != nullptr) to_send = landed_.Uncovered(first, end);
    int64_t at = first;
    for (const auto& [piece_first, piece_end] : to_send) {
      SkipLanded(piece_first - at, input);
      auto piece = (piece_first == first && piece_end == end)
                       ? run
                       : run->Slice(piece_first - first, piece_end - piece_first);
      while (static_cast<int>(window_.size()) >= args_.window) CompleteOldest();
      if (checkpoint_ != nullptr) checkpoint_->NoteBatch(batches_submitted_, piece_first);
      ++batches_submitted_;
      window_.push_back(
          {piece, wrapper_.send_batch_async(piece), piece_first, input, std::nullopt});
      tally_.inputs[input].rows_read += piece->num_rows();
      at = piece_end;
    }
    SkipLanded(end - at, input);
    next_row_ = end;
  }

  void SkipLanded(int64_t rows, size_t input) {
    if (rows <= 0) return;
    tally_.rows_already_landed += rows;
    tally_.rows_succeeded += rows;
    tally_.inputs[input].rows_read += rows;
    inputs_[input].rows_done += rows;
  }

  void CompleteOldest() {
    InFlight oldest = std::move(window_.front());
    window_.pop_front();
    while (!oldest.unread.has_value() && !oldest.future.wait_for(kPollInterval)) {
      if (Stopping() && !tally_.interrupted) {
        for (const InFlight& pending : window_) pending.future.cancel();
        oldest.future.cancel();
      }
      if (tally_.interrupted) oldest.future.cancel();
      UpdateProgress();
    }
    const TransmissionResult& result =
        oldest.unread.has_value() ? *oldest.unread : oldest.future.get();
    tally_.Add(result, oldest.first_row);
    inputs_[oldest.input].rows_done += result.total_rows;
    if (quarantine_ != nullptr && result.has_failed_rows()) {
      const Status appended = quarantine_->Append(*oldest.batch, result, oldest.first_row);
      if (!appended.ok()) {
        Report(appended);
        quarantine_.reset();
        tally_.stopped = appended;
      }
    }
    if (IsStreamFailure(result) && tally_.stopped.ok()) {
      tally_.stopped = result.error;
      Message("stopping: " + result.error.ToString());
    }
    UpdateProgress();
  }

  std::optional<double> Fraction() const {
    double total = 0;
    double done = 0;
    for (const InputProgress& input : inputs_) {
      const auto size = static_cast<double>(input.size);
      total += size;
      double fraction = 0;
      if (input.total_rows.has_value()) {
        fraction = *input.total_rows > 0 ? static_cast<double>(input.rows_done) /
                                               static_cast<double>(*input.total_rows)
                                         : (input.opened ? 1.0 : 0.0);
      } else if (input.finished) {
        fraction = 1;
      } else if (input.bytes_read && input.size > 0) {
        fraction = static_cast<double>(input.bytes_read()) / size;
      }
      done += size * std::clamp(fraction, 0.0, 1.0);
    }
    if (total <= 0) return std::nullopt;
    return done / total;
  }

  ProgressSnapshot Snapshot() const {
    ProgressSnapshot snapshot;
    snapshot.rows_done = tally_.rows_done();
    snapshot.rows_failed = tally_.rows_failed;
    snapshot.bytes_acknowledged = tally_.acknowledged_bytes;
    snapshot.fraction = Fraction();
    for (const StreamLaneStats& stream : wrapper_.stats().streams) {
      snapshot.reconnects += stream.reconnects;
    }
    return snapshot;
  }

  void UpdateProgress() {
    if (progress_ != nullptr) progress_->Update(Snapshot());
  }

  const SendArgs& args_;
  ZerobusWrapper& wrapper_;
  const SendContext& context_;
  SendTally& tally_;
  std::vector<InputProgress> inputs_;
  std::unique_ptr<ProgressReporter> progress_;
  std::unique_ptr<QuarantineWriter> quarantine_;
  std::shared_ptr<arrow::Schema> first_schema_;
  std::deque<InFlight> window_;
  SendCheckpoint* checkpoint_;
  RowRanges landed_;
  uint64_t batches_submitted_ = 0;  ///< the wrapper's count of batches (JournaledRequest::batch)
  int64_t next_row_ = 0;
  std::chrono::steady_clock::time_point stop_deadline_;
  bool gave_up_ = false;
};

/// --checkpoint: opens the checkpoint; when it holds an earlier run's requests, resumes that
/// run's streams (`config` gets their ids) and returns, through `landed`, the rows they landed.
struct Resumption {
  std::unique_ptr<SendCheckpoint> checkpoint;
  RowRanges landed;
};

CheckpointKey KeyOf(const SendArgs& args, const WrapperConfiguration& config) {
  CheckpointKey key;
  for (const fs::path& input : args.inputs) key.inputs.push_back(input.string());
  key.batch_rows = args.batch_rows;
  key.streams = config.stream_count;
  key.table = config.table_name;
  return key;
}

/// Opens the streams an earlier run used and finds the rows they landed.
Status ResumeStreams(const SendArgs& args, ZerobusWrapper& wrapper, Resumption& resumption,
                     const SendContext& context) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto source, OpenInput(args.inputs.front(), InputOptionsOf(args)));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto streams, wrapper.open_streams(source.reader->schema()));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(resumption.landed, resumption.checkpoint->LandedRows(streams));
  std::string offsets;
  for (const StreamLaneStats& stream : streams) {
    offsets += (offsets.empty() ? "" : ", ") + stream.stream_id + " through offset " +
               std::to_string(stream.last_acked_offset);
  }
  context.err << kPrefix << "resuming from checkpoint " << resumption.checkpoint->path().string()
              << ": the streams committed " << offsets << "; " << resumption.landed.Count()
              << " rows landed and are skipped\n";
  return Status::OK();
}

}  // namespace

int RunSend(const std::vector<std::string_view>& args, const SendContext& context) {
  auto parsed = ParseSendArgs(args);
  if (!parsed.ok()) {
    context.err << kPrefix << parsed.status().message() << "\n\n" << kSendUsage;
    return 2;
  }
  if (parsed->help) {
    context.out << kSendUsage;
    return 0;
  }
  auto config = BuildConfiguration(*parsed, context.environment);
  if (!config.ok()) {
    context.err << kPrefix << config.status().message() << "\n";
    return kExitConfiguration;
  }
  for (const std::string& warning : config->warnings) {
    context.err << kPrefix << "warning: " << warning << "\n";
  }
  Resumption resumption;
  if (parsed->checkpoint.has_value()) {
    if (config->delivery != "exactly_once") {
      context.err << kPrefix << "--checkpoint needs --exactly-once (delivery exactly_once): "
                  << "only persistent streams can be resumed where they stopped\n";
      return kExitConfiguration;
    }
    auto opened = SendCheckpoint::Open(*parsed->checkpoint, KeyOf(*parsed, *config));
    if (!opened.ok()) {
      context.err << kPrefix << opened.status().message() << "\n";
      return opened.status().kind() == ErrorKind::kConfiguration ? kExitConfiguration
                                                                 : kExitRowsFailed;
    }
    resumption.checkpoint = std::move(opened).value();
    if (resumption.checkpoint->completed()) {
      context.err << kPrefix << "checkpoint " << parsed->checkpoint->string()
                  << " says this send completed: nothing to send (remove it to send again)\n";
      return kExitSuccess;
    }
    std::string ids;
    for (const std::string& id : resumption.checkpoint->stream_ids()) {
      ids += (ids.empty() ? "" : ",") + id;
    }
    config->resume_stream_ids = ids;
  }
  SendTally tally;
  tally.table = config->table_name;
  tally.exactly_once = config->delivery == "exactly_once";
  tally.endpoint = config->zerobus_endpoint;
  tally.writer_disabled = config->zerobus_writer_disabled;
  // Create opens no connection: what fails here is the configuration (debug directory included).
  auto wrapper = ZerobusWrapper::Create(*std::move(config));
  if (!wrapper.ok()) {
    context.err << kPrefix << wrapper.status().message() << "\n";
    return kExitConfiguration;
  }

  if (SendCheckpoint* checkpoint = resumption.checkpoint.get()) {
    Status journaled = (*wrapper)->set_send_journal(
        [checkpoint](const JournaledRequest& request) { return checkpoint->Record(request); });
    if (journaled.ok() && !checkpoint->stream_ids().empty()) {
      journaled = ResumeStreams(*parsed, **wrapper, resumption, context);
    }
    if (!journaled.ok()) {
      context.err << kPrefix << journaled.message() << "\n";
      tally.errors.push_back(journaled);
      return journaled.kind() == ErrorKind::kConfiguration ? kExitConfiguration : kExitUnreachable;
    }
  }

  const auto start = std::chrono::steady_clock::now();
  Status shut;
  {
    InterruptGuard interrupts;
    Sender sender(*parsed, **wrapper, context, tally, resumption.checkpoint.get(),
                  std::move(resumption.landed));
    sender.SendAll();
    if (resumption.checkpoint != nullptr && sender.Finished()) {
      if (Status marked = resumption.checkpoint->MarkCompleted(); !marked.ok()) {
        context.err << kPrefix << marked.message() << "\n";
        tally.errors.push_back(marked);
      }
    }
    shut = tally.interrupted ? (*wrapper)->shutdown(std::chrono::milliseconds(0))
                             : (*wrapper)->shutdown();
  }
  if (!shut.ok() && !tally.interrupted) {
    context.err << kPrefix << shut.message() << "\n";
    tally.errors.push_back(shut);
  }
  if (const Status debug = (*wrapper)->debug_status(); !debug.ok()) {
    context.err << kPrefix << "warning: debug files: " << debug.message() << "\n";
  }
  PrintSummary(tally, std::chrono::steady_clock::now() - start, context.out);
  context.out << std::flush;
  return tally.ExitCode();
}

}  // namespace arrow_zerobus::cli
