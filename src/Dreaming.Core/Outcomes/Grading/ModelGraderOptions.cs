namespace Dreaming;

/// <summary>Options of a <see cref="ModelGrader"/>.</summary>
/// <remarks>Validated when the grader is created; a bad value fails with a message that names it.</remarks>
public sealed class ModelGraderOptions
{
    /// <summary>The number of times a reply that cannot be used (not JSON, criteria missing, unknown verdicts or ids)
    /// is asked for again, per sample. Fixed: a grader that fails twice in a row is recorded as an error rather than
    /// paid for again and again.</summary>
    public const int MaxRetries = 1;

    /// <summary>The largest number of samples.</summary>
    public const int MaxSamples = 9;

    /// <summary>The largest <see cref="CallRetries"/>.</summary>
    public const int MaxCallRetries = 10;

    /// <summary>Gets or sets how many independent grades are asked for; each criterion takes the majority verdict.</summary>
    /// <value>The default is 1. An odd number from 1 to <see cref="MaxSamples"/>, so that two verdicts rarely tie.</value>
    public int Samples { get; set; } = 1;

    /// <summary>Gets or sets how long one call to the grader may take before its criteria are recorded as errors.</summary>
    /// <value>The default is 60 seconds. Positive, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the longest artifact, in characters, sent to the grader; longer work gets an error verdict on its
    /// model-judged criteria instead of a request no model could take whole (deterministic criteria still run).</summary>
    /// <value>The default is 200,000. At least 1.</value>
    public int MaxArtifactLength { get; set; } = 200_000;

    /// <summary>Gets or sets how many times a call that failed (the client threw, or gave no answer within
    /// <see cref="Timeout"/>) is made again before its criteria are recorded as grader errors: a transient 429 or 503
    /// should not fail an outcome. Made through a Polly v8 retry on the grader's clock.</summary>
    /// <value>The default is 2. From 0 to 10. A cancellation by the caller is never retried.</value>
    public int CallRetries { get; set; } = 2;

    /// <summary>Gets or sets the wait before the first retry of a failed call; it doubles for each further retry, with
    /// jitter.</summary>
    /// <value>The default is 1 second. From zero to 5 minutes.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the model id asked for, when the grader client serves several.</summary>
    /// <value>The default is <see langword="null"/>: the client's default model.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the sampling temperature.</summary>
    /// <value>The default is <see langword="null"/>: the model's default. From 0 to 2; 0 makes single-sample grades
    /// more repeatable, while several samples need some temperature to differ at all.</value>
    public float? Temperature { get; set; }
}
