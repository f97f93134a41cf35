namespace Dreaming;

/// <summary>One problem of a plan that cannot run, as <see cref="PlanValidationException.Problems"/> lists them.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class PlanProblem
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What is wrong, naming the item (for a cycle, the items on it).</param>
    /// <param name="itemIds">The items the problem is about (for a cycle, the items on it, in order), or
    /// <see langword="null"/> when it is about the whole plan; copied, so that a list changed later does not change it.</param>
    /// <exception cref="ArgumentException"><paramref name="message"/> is null or blank.</exception>
    public PlanProblem(string message, IReadOnlyList<string>? itemIds = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        Message = message;
        ItemIds = itemIds is null or { Count: 0 } ? [] : [.. itemIds];
    }

    /// <summary>Gets what is wrong, naming the item: <c>Item 'a' depends on 'nope', which is not in the plan.</c></summary>
    public string Message { get; }

    /// <summary>Gets the items the problem is about (for a cycle, the items on it, in order); empty when it is about the
    /// whole plan or an item without an id.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <inheritdoc />
    public override string ToString() => Message;
}
