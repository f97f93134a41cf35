using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Dreaming;

/// <summary>Judges model-graded rubric criteria with a grader model that did not write the work.</summary>
/// <remarks>
/// <para>Each call is made in a fresh context: a system message with the grading instructions and one user message
/// holding only the task description, the rubric title and description, the criteria with their ids and the artifact,
/// which the grader is told to treat as data. Nothing of the writer's conversation or reasoning is sent. The reply is
/// asked for as JSON through a schema (reason before verdict) and read tolerantly.</para>
/// <para>A reply that cannot be used (not JSON, criteria missing, unknown verdicts, ids not asked for) is asked for
/// once more; criteria still without a usable verdict, and the criteria of a call that fails or times out, get
/// <see cref="CriterionVerdict.Error"/> with the reason: never a silent zero, never a pass. Ids not asked for are
/// ignored. Cancellation by the caller is not an error: it is thrown.</para>
/// <para>With several <see cref="ModelGraderOptions.Samples"/>, the samples run concurrently and each criterion takes
/// the most common verdict; an error counts as a vote, and a tie goes to the stricter verdict (met, partially met,
/// not met, error, from least to most strict). The class is thread-safe.</para>
/// <para>Its calls are never recorded in a session nor given an agent's memory, even through a client with
/// <c>UseDreaming()</c>: its usage is reported in the <see cref="GradeResult"/> only.</para>
/// </remarks>
public sealed partial class ModelGrader
{
    private readonly IChatClient _client;
    private readonly int _samples;
    private readonly int _maxArtifactLength;
    private readonly TimeSpan _timeout;
    private readonly string? _modelId;
    private readonly float? _temperature;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _calls;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="chatClient">The grader model; it may differ from the agent's.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults; read once, here.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock the timeout runs on, or <see langword="null"/> for the system clock.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ModelGrader(IChatClient chatClient, ModelGraderOptions? options = null, ILogger<ModelGrader>? logger = null, TimeProvider? timeProvider = null)
    {
        _client = chatClient ?? throw new ArgumentNullException(nameof(chatClient));
        options ??= new ModelGraderOptions();
        var validation = new ModelGraderOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(options));
        }

        _samples = options.Samples;
        _maxArtifactLength = options.MaxArtifactLength;
        _timeout = options.Timeout;
        _modelId = options.ModelId;
        _temperature = options.Temperature;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _calls = CallPipeline(options, _timeProvider);
    }

    /// <summary>Grades <paramref name="artifact"/> on <paramref name="criteria"/>, all in one request per sample.</summary>
    /// <param name="rubric">The rubric the criteria come from; its title and description are shown to the grader.</param>
    /// <param name="criteria">The criteria to judge, whatever their kind; ids must be unique, ignoring case.</param>
    /// <param name="artifact">The work to grade.</param>
    /// <param name="task">The task the work was for, or <see langword="null"/>; never the writer's reasoning.</param>
    /// <param name="cancellationToken">Cancels the grading.</param>
    /// <returns>One result per criterion, in the given order, and the usage of every call.</returns>
    /// <exception cref="ArgumentException">Two criteria have the same id.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<GradeResult> GradeAsync(Rubric rubric, IReadOnlyList<RubricCriterion> criteria, string artifact, string? task = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(criteria);
        ArgumentNullException.ThrowIfNull(artifact);
        if (criteria.GroupBy(c => c.Id, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ArgumentException($"The criterion id '{duplicate.Key}' is given more than once.", nameof(criteria));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (criteria.Count == 0)
        {
            return new GradeResult { Criteria = [] };
        }

        if (artifact.Length > _maxArtifactLength)
        {
            var reason = $"grader error: the work is {artifact.Length} characters, more than the grader's limit of {_maxArtifactLength} (ModelGraderOptions.MaxArtifactLength)";
            return new GradeResult { Criteria = criteria.Select(c => new CriterionResult { Criterion = c, Verdict = CriterionVerdict.Error, Reason = reason }).ToArray() };
        }

        ChatMessage[] request =
        [
            new(ChatRole.System, GraderPrompt.Instructions),
            new(ChatRole.User, GraderPrompt.Request(rubric, criteria, artifact, task)),
        ];
        var chatOptions = new ChatOptions
        {
            ResponseFormat = GraderPrompt.ResponseFormat(criteria),
            ModelId = _modelId,
            Temperature = _temperature,
        };

        var samples = await Task.WhenAll(Enumerable.Range(0, _samples)
            .Select(_ => SampleAsync(rubric, request, chatOptions, criteria, cancellationToken))).ConfigureAwait(false);

        var usage = samples.Aggregate(SessionUsage.Zero, (sum, sample) => sum.Add(sample.Usage));
        return new GradeResult { Criteria = criteria.Select(c => Vote(c, samples)).ToArray(), Usage = usage, EstimatedTokens = samples.Aggregate(0L, static (sum, sample) => SaturatingSum.Add(sum, sample.EstimatedTokens)) };
    }

    private async Task<Sample> SampleAsync(Rubric rubric, ChatMessage[] request, ChatOptions chatOptions, IReadOnlyList<RubricCriterion> criteria, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>(request);
        var known = new Dictionary<string, GraderVerdict>(StringComparer.OrdinalIgnoreCase);
        var usage = SessionUsage.Zero;
        long estimated = 0;
        for (var attempt = 0; ; attempt++)
        {
            var (response, failure) = await CallAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return Finish(rubric, criteria, known, usage, _ => "grader error: " + failure) with { EstimatedTokens = estimated };
            }

            // Priced by the DreamingOptions.CostOf of a UseDreaming() in the grader's pipeline, under the graded session's agent.
            usage = usage.Add(ModelUsage.Of(_client, agentId: null, response, chatOptions));
            // What the call used without reporting it, from the messages it was sent (a correction is added below).
            estimated = SaturatingSum.Add(estimated, ModelUsage.Unreported(messages, response));
            var reply = GraderReply.Read(response.Text, criteria);
            foreach (var (id, verdict) in reply.Verdicts)
            {
                known[id] = verdict;
            }

            if (reply.IgnoredIds.Count > 0)
            {
                LogIgnoredIds(_logger, rubric.Id, reply.IgnoredIds);
            }

            var problems = reply.Problems(criteria, known);
            if (problems.Count == 0)
            {
                return new Sample(known, usage) { EstimatedTokens = estimated };
            }

            if (attempt >= ModelGraderOptions.MaxRetries)
            {
                var attempts = (attempt + 1).ToString(CultureInfo.InvariantCulture);
                return Finish(rubric, criteria, known, usage, id => $"grader error after {attempts} attempts: {reply.ProblemWith(id)}") with { EstimatedTokens = estimated };
            }

            LogRetry(_logger, rubric.Id, problems);
            if (!string.IsNullOrWhiteSpace(response.Text))
            {
                messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
            }

            messages.Add(new ChatMessage(ChatRole.User, GraderPrompt.Correction(problems, criteria)));
        }
    }

    private async Task<(ChatResponse? Response, string? Failure)> CallAsync(List<ChatMessage> messages, ChatOptions chatOptions, CancellationToken cancellationToken)
    {
        // A copy of the list keeps the correction's additions out of the request already sent.
        var request = messages.ToArray();
        try
        {
            var response = await _calls.ExecuteAsync(
                static (state, token) => new ValueTask<ChatResponse>(state.Grader.AttemptAsync(state.Request, state.Options, token)),
                (Grader: this, Request: request, Options: chatOptions),
                cancellationToken).ConfigureAwait(false);
            return (response, null);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // A client may surface the caller's cancellation as a transport error; the caller must still see a cancellation.
            throw new OperationCanceledException("The grading was cancelled.", ex, cancellationToken);
        }
        catch (NoAnswerException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            return (null, $"the call failed ({ex.GetType().Name}): {ex.Message}");
        }
    }

    // One call, within the timeout; what fails is logged and thrown for the retry to decide.
    private async Task<ChatResponse> AttemptAsync(ChatMessage[] request, ChatOptions chatOptions, CancellationToken cancellationToken)
    {
        using var timeout = _timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(_timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // WaitAsync enforces the timeout even on a client that ignores its token; a copy of the options keeps any
            // client's changes out of the next attempt. Grading is not the agent's work: a UseDreaming() in the grader's
            // pipeline passes the call through untouched, also the part of it that outlives the timeout.
            var call = LibraryModelCall.Run(
                static state => state.Client.GetResponseAsync(state.Request, state.Options, state.Token),
                (Client: _client, Request: request, Options: chatOptions.Clone(), linked.Token));
            try
            {
                return await AbandonedTask.WaitAsync(call, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Abandoned by the caller (an orchestration item's timeout) while it still runs: an item holds it against
                // its run's MaxConcurrency, as an abandoned agent call.
                AbandonedGraderCalls.Report(call);
                throw;
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            var failure = $"no answer within {_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
            LogCallFailed(_logger, failure, null);
            throw new NoAnswerException(failure, ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            LogCallFailed(_logger, ex.GetType().Name, ex);
            throw;
        }
    }

    private static ResiliencePipeline CallPipeline(ModelGraderOptions options, TimeProvider timeProvider) =>
        options.CallRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.CallRetries,
                    Delay = options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = static args => ValueTask.FromResult(
                        args.Outcome.Exception is { } ex
                        && ex is not OutOfMemoryException
                        && !args.Context.CancellationToken.IsCancellationRequested),
                })
                .Build();

    /// <summary>A call that got no answer within the grader's timeout.</summary>
    private sealed class NoAnswerException(string message, Exception innerException) : TimeoutException(message, innerException);

    private Sample Finish(Rubric rubric, IReadOnlyList<RubricCriterion> criteria, Dictionary<string, GraderVerdict> known, SessionUsage usage, Func<string, string> errorFor)
    {
        var verdicts = new Dictionary<string, GraderVerdict>(StringComparer.OrdinalIgnoreCase);
        var errors = 0;
        foreach (var criterion in criteria)
        {
            if (known.TryGetValue(criterion.Id, out var verdict))
            {
                verdicts[criterion.Id] = verdict;
            }
            else
            {
                verdicts[criterion.Id] = new GraderVerdict(CriterionVerdict.Error, errorFor(criterion.Id));
                errors++;
            }
        }

        if (errors > 0)
        {
            LogCriteriaInError(_logger, errors, rubric.Id);
        }

        return new Sample(verdicts, usage);
    }

    private CriterionResult Vote(RubricCriterion criterion, Sample[] samples)
    {
        var votes = samples.Select(s => s.Verdicts[criterion.Id]).ToArray();
        var winner = votes
            .GroupBy(v => v.Verdict)
            .OrderByDescending(g => g.Count())
            .ThenByDescending(g => Strictness(g.Key))
            .First();
        var reason = votes.First(v => v.Verdict == winner.Key).Reason;
        if (_samples > 1)
        {
            reason = $"{reason} ({winner.Count()} of {_samples} samples)";
        }

        return new CriterionResult { Criterion = criterion, Verdict = winner.Key, Reason = reason };
    }

    private static int Strictness(CriterionVerdict verdict) => verdict switch
    {
        CriterionVerdict.Met => 0,
        CriterionVerdict.PartiallyMet => 1,
        CriterionVerdict.NotMet => 2,
        _ => 3,
    };

    private sealed record Sample(Dictionary<string, GraderVerdict> Verdicts, SessionUsage Usage)
    {
        // The tokens of its calls that reported no usage, estimated from the text.
        public long EstimatedTokens { get; init; }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "The grader's reply for rubric {RubricId} could not be used ({Problems}); asking once more.")]
    private static partial void LogRetry(ILogger logger, string rubricId, IReadOnlyList<string> problems);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "The grader could not judge {Count} criteria of rubric {RubricId}; they are recorded as errors.")]
    private static partial void LogCriteriaInError(ILogger logger, int count, string rubricId);

    [LoggerMessage(EventId = 42, Level = LogLevel.Debug, Message = "The grader answered criteria of rubric {RubricId} it was not asked about, ignored: {Ids}.")]
    private static partial void LogIgnoredIds(ILogger logger, string rubricId, IReadOnlyList<string> ids);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "A grader call failed: {Failure}.")]
    private static partial void LogCallFailed(ILogger logger, string failure, Exception? exception);
}
