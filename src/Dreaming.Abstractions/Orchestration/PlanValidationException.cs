using System.Globalization;

namespace Dreaming;

/// <summary>A plan cannot run: a cycle, an unknown agent or dependency, a missing or duplicate id, an empty plan, too
/// many items, or a coordinator that did not answer with a valid plan. Nothing ran.</summary>
/// <remarks>The message's first line is the first problem found; <see cref="Problems"/> lists every problem found (up to
/// <see cref="MaxProblems"/>), so that a plan can be fixed in one go. Each problem is one line: an id, agent name, property name or rubric path with a
/// control character or a line or paragraph separator shows it as <c>\xHH</c> or <c>\uHHHH</c> (the ids in
/// <see cref="PlanProblem.ItemIds"/> are as the plan has them).</remarks>
public sealed class PlanValidationException : Exception
{
    /// <summary>The most problems <see cref="Problems"/> holds; <see cref="OmittedProblemCount"/> counts the rest.</summary>
    public const int MaxProblems = 20;

    /// <summary>Initializes a new instance.</summary>
    public PlanValidationException()
        : this("The plan is invalid.")
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public PlanValidationException(string message)
        : this(message, [])
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PlanValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        ItemIds = [];
        Problems = [new PlanProblem(string.IsNullOrWhiteSpace(message) ? "The plan is invalid." : message)];
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message, naming the items.</param>
    /// <param name="itemIds">The items the problem is about (for a cycle, the items on it, in order).</param>
    public PlanValidationException(string message, IReadOnlyList<string> itemIds)
        : base(message)
    {
        ItemIds = itemIds ?? [];
        Problems = [new PlanProblem(string.IsNullOrWhiteSpace(message) ? "The plan is invalid." : message, ItemIds)];
    }

    /// <summary>Initializes a new instance for several problems: the message is each problem's on a line of its own, the
    /// first first, then how many more were found when <paramref name="omittedProblemCount"/> is positive.</summary>
    /// <param name="problems">The problems, the first found first; at most <see cref="MaxProblems"/>.</param>
    /// <param name="omittedProblemCount">How many more problems were found and left out of <paramref name="problems"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> or one of its problems is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="problems"/> is empty or holds more than <see cref="MaxProblems"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="omittedProblemCount"/> is negative.</exception>
    public PlanValidationException(IReadOnlyList<PlanProblem> problems, int omittedProblemCount = 0)
        : base(MessageOf(problems, omittedProblemCount))
    {
        Problems = [.. problems];
        ItemIds = Problems[0].ItemIds;
        OmittedProblemCount = omittedProblemCount;
    }

    /// <summary>Gets the items the first problem is about; empty when it is about the whole plan.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Gets every problem found, the first found (the message's first line) first; never empty, at most
    /// <see cref="MaxProblems"/>.</summary>
    /// <remarks>A plan's validation lists every item that names an unknown agent or dependency, has no id, a duplicate
    /// id, no instructions or a bad limit, and each cycle found (naming the items on it; of cycles through the same items,
    /// one is reported, so fixing it may bring up the next); the problems of the whole plan (no goal, no items, too many
    /// items, its concurrency) come first. An unknown agent's problem names the roster: its names in ordinal order, at
    /// most 20 of them and 200 characters, then how many more it has (<c>…, and 189 more</c>).</remarks>
    public IReadOnlyList<PlanProblem> Problems { get; }

    /// <summary>Gets how many more problems were found than <see cref="Problems"/> lists (0 when it lists them all).</summary>
    public int OmittedProblemCount { get; }

    private static string MessageOf(IReadOnlyList<PlanProblem> problems, int omittedProblemCount)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentOutOfRangeException.ThrowIfNegative(omittedProblemCount);
        if (problems.Count is 0 or > MaxProblems)
        {
            throw new ArgumentException($"A plan validation needs 1 to {MaxProblems} problems; {problems.Count} were given.", nameof(problems));
        }

        var lines = new List<string>(problems.Count + 1);
        foreach (var problem in problems)
        {
            lines.Add((problem ?? throw new ArgumentNullException(nameof(problems), "A problem is null.")).Message);
        }

        if (omittedProblemCount > 0)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"… and {omittedProblemCount:N0} more {(omittedProblemCount == 1 ? "problem" : "problems")}."));
        }

        return string.Join('\n', lines);
    }
}
