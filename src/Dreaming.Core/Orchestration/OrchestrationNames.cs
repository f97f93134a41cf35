using System.Text.Json;

namespace Dreaming;

/// <summary>The snake_case wire names of the orchestration enums, as recorded in events (<c>budget_reached</c>, <c>timed_out</c>).</summary>
public static class OrchestrationNames
{
    /// <summary>Returns the wire name of a run status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The name.</returns>
    public static string Of(OrchestrationStatus status) => Name(status);

    /// <summary>Returns the wire name of an item status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The name.</returns>
    public static string Of(WorkItemStatus status) => Name(status);

    /// <summary>Returns the wire name of a failure policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>The name.</returns>
    public static string Of(OrchestrationFailurePolicy policy) => Name(policy);

    private static string Name<T>(T value)
        where T : struct, Enum =>
        Enum.IsDefined(value)
            ? JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString())
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Unknown {typeof(T).Name}.");
}
