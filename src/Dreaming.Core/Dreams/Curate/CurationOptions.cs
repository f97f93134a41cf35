namespace Dreaming;

/// <summary>Options of the <see cref="MemoryCurator"/>.</summary>
public sealed class CurationOptions
{
    /// <summary>Gets or sets how similar (word-set Jaccard, after normalisation) two lessons must be to count as one.</summary>
    /// <value>The default is 0.8; above 0 and at most 1.</value>
    public double MergeSimilarity { get; set; } = 0.8;

    /// <summary>Gets or sets how many times an insight must have been counted harmful before it can be retired.</summary>
    /// <value>The default is 3; at least 1.</value>
    public int RetireAfterHarmful { get; set; } = 3;

    /// <summary>Gets or sets how long an insight that never helped may stay before it decays (is retired).</summary>
    /// <value>The default is 90 days; positive.</value>
    public TimeSpan DecayAfter { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Throws when an option is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(MergeSimilarity > 0 && MergeSimilarity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MergeSimilarity), MergeSimilarity, "CurationOptions.MergeSimilarity must be above 0 and at most 1.");
        }

        if (RetireAfterHarmful < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RetireAfterHarmful), RetireAfterHarmful, "CurationOptions.RetireAfterHarmful must be at least 1.");
        }

        if (DecayAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DecayAfter), DecayAfter, "CurationOptions.DecayAfter must be positive.");
        }
    }
}
