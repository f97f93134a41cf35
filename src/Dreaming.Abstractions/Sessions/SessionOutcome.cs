namespace Dreaming;

/// <summary>The graded result of a session: the label dreaming learns from.</summary>
public sealed record SessionOutcome
{
    /// <summary>The label of a session whose work was judged good.</summary>
    public const string Success = "success";

    /// <summary>The label of a session whose work was judged not good enough.</summary>
    public const string Failure = "failure";

    /// <summary>Gets the outcome label, such as <see cref="Success"/> or <see cref="Failure"/>; any short, low-cardinality text is accepted.</summary>
    public required string Label { get; init; }

    /// <summary>Gets the score in [0, 1] when one is known (a rubric score or an imported reward).</summary>
    public double? Score { get; init; }

    /// <summary>Gets where the outcome came from, for example <c>import</c>, <c>rubric:refund-summary@1</c> or <c>human</c>.</summary>
    public string? Source { get; init; }

    /// <summary>Throws when <see cref="Score"/> is NaN or an infinity: a score is a finite number, and every trace store
    /// refuses an outcome with any other (a database column cannot keep NaN, nor JSON either).</summary>
    /// <param name="sessionId">The session the outcome is for, named by the message.</param>
    /// <exception cref="ArgumentException">The score is not a finite number.</exception>
    public void Validate(string sessionId)
    {
        if (Score is { } score && !double.IsFinite(score))
        {
            throw new ArgumentException(
                $"The outcome of session '{sessionId}' has a score of {score.ToString(System.Globalization.CultureInfo.InvariantCulture)}; a score is a finite number (in [0, 1]).");
        }
    }

    /// <summary>Creates a success outcome.</summary>
    /// <param name="score">The optional score.</param>
    /// <param name="source">The optional source.</param>
    /// <returns>The outcome.</returns>
    public static SessionOutcome Succeeded(double? score = null, string? source = null) => new() { Label = Success, Score = score, Source = source };

    /// <summary>Creates a failure outcome.</summary>
    /// <param name="score">The optional score.</param>
    /// <param name="source">The optional source.</param>
    /// <returns>The outcome.</returns>
    public static SessionOutcome Failed(double? score = null, string? source = null) => new() { Label = Failure, Score = score, Source = source };
}
