namespace Dreaming;

/// <summary>A plan cannot run: a cycle, an unknown agent or dependency, a missing or duplicate id, an empty plan, too
/// many items, or a coordinator that did not answer with a valid plan. Nothing ran.</summary>
public sealed class PlanValidationException : Exception
{
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
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message, naming the items.</param>
    /// <param name="itemIds">The items the problem is about (for a cycle, the items on it, in order).</param>
    public PlanValidationException(string message, IReadOnlyList<string> itemIds)
        : base(message)
    {
        ItemIds = itemIds ?? [];
    }

    /// <summary>Gets the items the problem is about; empty when it is about the whole plan.</summary>
    public IReadOnlyList<string> ItemIds { get; }
}
