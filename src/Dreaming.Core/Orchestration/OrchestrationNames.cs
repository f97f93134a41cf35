using System.Text.Json;

namespace Dreaming;

/// <summary>The snake_case wire names of the orchestration enums, as recorded in events (<c>budget_reached</c>, <c>timed_out</c>).</summary>
public static class OrchestrationNames
{
    /// <summary>Returns the wire name of a run status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The name.</returns>
    public static string Of(OrchestrationStatus status) => Names<OrchestrationStatus>.Of(status);

    /// <summary>Returns the wire name of an item status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The name.</returns>
    public static string Of(WorkItemStatus status) => Names<WorkItemStatus>.Of(status);

    /// <summary>Returns the wire name of a failure policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>The name.</returns>
    public static string Of(OrchestrationFailurePolicy policy) => Names<OrchestrationFailurePolicy>.Of(policy);

    // Computed once per enum: item events are recorded for every item of plans with thousands of them.
    private static class Names<T>
        where T : struct, Enum
    {
        private static readonly Dictionary<T, string> s_names = Enum.GetValues<T>().ToDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

        public static string Of(T value) =>
            s_names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, $"Unknown {typeof(T).Name}.");
    }
}
