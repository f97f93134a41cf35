using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dreaming;

/// <summary>Runs dreams as background jobs: <see cref="StartAsync"/> returns as soon as the run holds its scope's lease,
/// <see cref="WaitAsync"/> awaits its end, <see cref="CancelAsync"/> stops it.</summary>
/// <remarks>
/// <para>The jobs of this process are tracked by run id; <see cref="CancelAsync"/> of a run another process is dreaming
/// marks it canceled in the store, and that dream stops at its next lease renewal, writing no memory version.</para>
/// <para>Registered by <c>AddDreamingAgents</c>. Disposing it, asynchronously or not (a service provider disposed with
/// <c>using</c>), cancels the jobs still running and waits for them. Thread-safe.</para>
/// </remarks>
public sealed partial class DreamJobs : IAsyncDisposable, IDisposable
{
    private readonly IDreamConsolidator _dreams;
    private readonly IDreamRunStore _runs;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="dreams">The consolidator that runs each dream.</param>
    /// <param name="runs">The run store, for runs this process is not dreaming.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    public DreamJobs(IDreamConsolidator dreams, IDreamRunStore runs, ILogger<DreamJobs>? logger = null)
    {
        _dreams = dreams ?? throw new ArgumentNullException(nameof(dreams));
        _runs = runs ?? throw new ArgumentNullException(nameof(runs));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the ids of the runs this process is dreaming now.</summary>
    public IReadOnlyCollection<string> Running => [.. _jobs.Keys];

    /// <summary>Starts a dream in the background, outside the caller's agent session and span (the dream does not flow
    /// the caller's execution context).</summary>
    /// <param name="request">The scope, limits, instructions and review mode.</param>
    /// <param name="cancellationToken">Cancels waiting for the start (not the dream, which is tracked as a job once it
    /// starts; use <see cref="CancelAsync"/>).</param>
    /// <returns>The run, running (or already finished when the consolidator does not report its start).</returns>
    /// <exception cref="DreamConflictException">Another dream of the scope is running.</exception>
    /// <exception cref="ArgumentException">The request is invalid.</exception>
    public async Task<DreamRun> StartAsync(DreamRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var started = new TaskCompletionSource<DreamRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new CancellationTokenSource();
        var completion = StartInBackground(() => _dreams.DreamAsync(request, run => started.TrySetResult(run), stop.Token));
        var first = Task.WhenAny(started.Task, completion);
        try
        {
            await first.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The token gives up the wait, not the dream: once it starts it is a job of this process like any other, so
            // Running lists it, CancelAsync stops it and disposal waits for it.
            _ = TrackWhenStartedAsync(first, started.Task, completion, stop).ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        return await TrackWhenStartedAsync(first, started.Task, completion, stop).ConfigureAwait(false);
    }

    private async Task<DreamRun> TrackWhenStartedAsync(Task first, Task<DreamRun> started, Task<DreamRun> completion, CancellationTokenSource stop)
    {
        await first.ConfigureAwait(false);
        if (!started.IsCompleted)
        {
            stop.Dispose();
            return await completion.ConfigureAwait(false);
        }

        var run = await started.ConfigureAwait(false);
        var job = new Job(completion, stop);
        _jobs[run.Id] = job;
        _ = ForgetWhenDoneAsync(run.Id, job);
        LogJobStarted(_logger, run.Id, run.Scope.Key);
        return run;
    }

    // The dream outlives the caller's flow: it must not run in the caller's agent session (a reflector model behind
    // UseDreaming() would record its prompts, other sessions' content, into it) nor under the caller's span.
    private static Task<DreamRun> StartInBackground(Func<Task<DreamRun>> dream)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Run(dream, CancellationToken.None);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(dream, CancellationToken.None);
        }
    }

    /// <summary>Waits for a run to end.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the wait (not the dream).</param>
    /// <returns>The finished run; for a run this process is not dreaming, the run as the store has it now.</returns>
    /// <exception cref="DreamRunNotFoundException">The store has no such run.</exception>
    public async Task<DreamRun> WaitAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (_jobs.TryGetValue(runId, out var job))
        {
            return await job.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _runs.GetAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw DreamRunNotFoundException.ForId(runId);
    }

    /// <summary>Cancels a run: a job of this process is stopped and awaited; any other run is marked canceled in the store.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The run as it ended (canceled, or finished if it ended first).</returns>
    /// <exception cref="DreamRunStateException">The run already finished in another process.</exception>
    /// <exception cref="DreamRunNotFoundException">The store has no such run.</exception>
    public async Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (_jobs.TryGetValue(runId, out var job))
        {
            await StopAsync(job).ConfigureAwait(false);
            return await job.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _runs.CancelAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels the jobs still running and waits for them.</summary>
    /// <returns>A task that completes when every job has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var job in _jobs.Values)
        {
            await StopAsync(job).ConfigureAwait(false);
        }

        foreach (var job in _jobs.Values)
        {
            try
            {
                await job.Completion.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Already recorded by the consolidator; disposal must not throw.
            }
        }
    }

    /// <summary>Cancels the jobs still running and blocks until they have ended, for a container disposed synchronously;
    /// prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    // A job that ended meanwhile (say, while an earlier job's cancellation ran) has disposed its source: nothing to stop.
    private static async Task StopAsync(Job job)
    {
        try
        {
            await job.Stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ForgetWhenDoneAsync(string runId, Job job)
    {
        try
        {
            var run = await job.Completion.ConfigureAwait(false);
            LogJobEnded(_logger, runId, run.Status);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogJobFailed(_logger, runId, ex);
        }
        finally
        {
            _jobs.TryRemove(runId, out _);
            job.Stop.Dispose();
        }
    }

    private sealed record Job(Task<DreamRun> Completion, CancellationTokenSource Stop);

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Dream job {RunId} started for {Scope}.")]
    private static partial void LogJobStarted(ILogger logger, string runId, string scope);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Dream job {RunId} ended: {Status}.")]
    private static partial void LogJobEnded(ILogger logger, string runId, DreamRunStatus status);

    [LoggerMessage(EventId = 62, Level = LogLevel.Error, Message = "Dream job {RunId} failed.")]
    private static partial void LogJobFailed(ILogger logger, string runId, Exception exception);
}
