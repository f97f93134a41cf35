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

    /// <summary>Gets or sets how long an active insight may stay unchanged before it decays (is retired): given to no session
    /// it is about (one that called its tools or cited it; for an insight about no tool, any session) and not found again by
    /// a dream for this long, whether or not it once helped. The dream that finds it again (after a longer gap between
    /// dreams, for example) merges the lesson into it (or reframes it) instead, keeping its id and counters. An insight a person wrote never
    /// decays.</summary>
    /// <value>The default is 90 days; positive.</value>
    public TimeSpan DecayAfter { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets how similar (cosine of their embeddings) two free-text lessons must be to count as one, when an
    /// embedding generator is registered. Used after exact and word similarity.</summary>
    /// <value>The default is 0.9; above 0 and at most 1.</value>
    public double EmbeddingSimilarity { get; set; } = 0.9;

    /// <summary>Gets or sets how much of their wording (word-set Jaccard, ignoring negations) two lessons about the same tools
    /// must share for opposite advice ("do X" against "do not X") to count as a contradiction.</summary>
    /// <value>The default is 0.6; above 0 and at most 1.</value>
    public double ContradictionSimilarity { get; set; } = 0.6;

    /// <summary>Gets or sets the token budget of the committed memory: the active insights, rendered one per line, stay within it.
    /// The least useful are held back as proposed (never deleted) and return when they fit.</summary>
    /// <value>The default is 4,000 tokens (about 16,000 characters); at least 50.</value>
    public int MemoryTokenBudget { get; set; } = 4000;

    /// <summary>Gets or sets how many evidence sessions an insight keeps: when a lesson found again brings more, the sessions
    /// it cites are kept (its first ones, should they alone be more), then the newest of the others, and the oldest are left
    /// out of the new version (earlier versions keep them). Without a bound, a lesson found again by every nightly dream would
    /// carry, in every version, every session that ever showed it. Support (evidence sessions plus helpful minus harmful,
    /// which decides contradictions and framings) counts the sessions kept, and at most this many of a new lesson's; a lesson
    /// with only as much support as an insight whose evidence is at the bound does not replace it. The helpful, harmful and
    /// seen counters keep the whole history.</summary>
    /// <value>The default is 100 sessions (ten dreams' worth at <see cref="MiningOptions.MaxEvidence"/>'s default); at least 1.</value>
    public int MaxEvidence { get; set; } = 100;

    /// <summary>Throws when an option is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (!(MergeSimilarity > 0 && MergeSimilarity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MergeSimilarity), MergeSimilarity, "CurationOptions.MergeSimilarity must be above 0 and at most 1.");
        }

        if (!(EmbeddingSimilarity > 0 && EmbeddingSimilarity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(EmbeddingSimilarity), EmbeddingSimilarity, "CurationOptions.EmbeddingSimilarity must be above 0 and at most 1.");
        }

        if (!(ContradictionSimilarity > 0 && ContradictionSimilarity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ContradictionSimilarity), ContradictionSimilarity, "CurationOptions.ContradictionSimilarity must be above 0 and at most 1.");
        }

        if (MemoryTokenBudget < 50)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryTokenBudget), MemoryTokenBudget, "CurationOptions.MemoryTokenBudget must be at least 50 tokens.");
        }

        if (RetireAfterHarmful < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RetireAfterHarmful), RetireAfterHarmful, "CurationOptions.RetireAfterHarmful must be at least 1.");
        }

        if (MaxEvidence < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEvidence), MaxEvidence, "CurationOptions.MaxEvidence must be at least 1.");
        }

        if (DecayAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DecayAfter), DecayAfter, "CurationOptions.DecayAfter must be positive.");
        }
    }
}
