namespace Dreaming;

/// <summary>The wire names of <see cref="RubricAggregation"/>: <c>weighted_mean</c> and <c>minimum</c>.</summary>
/// <remarks>Thread-safe: the members are stateless.</remarks>
public static class RubricAggregationNames
{
    /// <summary>The name of <see cref="RubricAggregation.WeightedMean"/>.</summary>
    public const string WeightedMean = "weighted_mean";

    /// <summary>The name of <see cref="RubricAggregation.Minimum"/>.</summary>
    public const string Minimum = "minimum";

    /// <summary>Returns the snake_case name of an aggregation.</summary>
    /// <param name="aggregation">The aggregation.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="aggregation"/> is not a defined value.</exception>
    public static string Of(RubricAggregation aggregation) => aggregation switch
    {
        RubricAggregation.WeightedMean => WeightedMean,
        RubricAggregation.Minimum => Minimum,
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Unknown rubric aggregation."),
    };

    /// <summary>Reads an aggregation's name, ignoring case and taking <c>-</c> or a space for <c>_</c>
    /// (<c>weighted mean</c>, <c>Weighted-Mean</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="aggregation">The aggregation when the name is known; otherwise <see cref="RubricAggregation.WeightedMean"/>.</param>
    /// <returns>Whether the name is known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public static bool TryParse(string name, out RubricAggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = string.Join('_', name.Trim().Split([' ', '\t', '-', '_'], StringSplitOptions.RemoveEmptyEntries));
        switch (normalized.ToLowerInvariant())
        {
            case WeightedMean:
                aggregation = RubricAggregation.WeightedMean;
                return true;
            case Minimum:
                aggregation = RubricAggregation.Minimum;
                return true;
            default:
                aggregation = RubricAggregation.WeightedMean;
                return false;
        }
    }
}
