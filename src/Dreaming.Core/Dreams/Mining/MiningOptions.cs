using System.Globalization;

namespace Dreaming;

/// <summary>How <see cref="FindingMiner"/> decides what is a finding.</summary>
public sealed class MiningOptions
{
    /// <summary>Gets or sets the fewest sessions a pattern must occur in to be reported: one session is an anecdote, not a pattern.</summary>
    /// <value>The default is 3.</value>
    public int MinSupport { get; set; } = 3;

    /// <summary>
    /// Gets or sets the lift (failure rate with the pattern / base failure rate) from which a pattern counts as tied to
    /// failure; a recurring error below it is reported as an <see cref="FindingKinds.EfficiencyCost"/>, and a tool sequence below it not at all.
    /// </summary>
    /// <value>The default is 1.2.</value>
    public double MinLift { get; set; } = 1.2;

    /// <summary>
    /// Gets or sets the false discovery rate allowed among the tool sequences reported: every pair of tools that meets
    /// <see cref="MinSupport"/> is tested (Fisher's exact test), and with that many tests some pass by chance, so the
    /// Benjamini–Hochberg procedure keeps the expected share of chance findings below this rate.
    /// </summary>
    /// <value>The default is 0.05.</value>
    public double SequenceFalseDiscoveryRate { get; set; } = 0.05;

    /// <summary>Gets or sets how many times the same call (tool and arguments) must fail the same way in one session to count as a loop.</summary>
    /// <remarks>Arguments are the same when their JSON is, whatever its spacing and the order of an object's properties;
    /// text that is not valid JSON is compared as sent.</remarks>
    /// <value>The default is 2.</value>
    public int MinRepeatedFailures { get; set; } = 2;

    /// <summary>Gets or sets the most evidence sessions kept per finding.</summary>
    /// <value>The default is 10.</value>
    public int MaxEvidence { get; set; } = 10;

    /// <summary>Gets or sets the most findings reported.</summary>
    /// <value>The default is 50.</value>
    public int MaxFindings { get; set; } = 50;

    /// <summary>
    /// Gets or sets the most distinct patterns counted; once reached, new patterns are not counted
    /// (<see cref="MiningReport.PatternOccurrencesNotCounted"/>), which bounds memory when errors do not normalise well.
    /// </summary>
    /// <value>The default is 100,000.</value>
    public int MaxPatterns { get; set; } = 100_000;

    /// <summary>Gets or sets the fewest distinct team scopes (<see cref="SessionRecord.Scope"/>: tenants, in a multi-tenant
    /// app) a pattern's sessions must come from to be reported: with 2, what only one tenant's sessions show is not
    /// learnt, however often it recurs there.</summary>
    /// <remarks>Sessions without a scope (null, empty or white space) count together as one scope (one tenant more, not one each), so they never
    /// make a pattern of one tenant look shared. A dream applies it to an agent's or the global memory only: a team's
    /// dream reads one scope, and its lessons reach only that team's sessions. Counting the scopes costs nothing when
    /// it is 1.</remarks>
    /// <value>The default is 1: a pattern is reported whatever scopes its sessions have.</value>
    public int MinScopes { get; set; } = 1;

    /// <summary>Returns a copy of every option, so a run that took it is not changed by later changes to these, and no
    /// option added later is lost by a copy that lists them.</summary>
    internal MiningOptions Copy() => (MiningOptions)MemberwiseClone();

    /// <summary>Throws when an option is invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        RequireAtLeast(MinSupport, 1, nameof(MinSupport));
        if (!double.IsFinite(MinLift) || MinLift < 1)
        {
            throw new ArgumentException(Invariant($"MiningOptions.MinLift must be a finite number of at least 1, not {MinLift}."), nameof(MinLift));
        }

        if (!(SequenceFalseDiscoveryRate > 0 && SequenceFalseDiscoveryRate <= 1))
        {
            throw new ArgumentException(
                Invariant($"MiningOptions.SequenceFalseDiscoveryRate must be greater than 0 and at most 1, not {SequenceFalseDiscoveryRate}."), nameof(SequenceFalseDiscoveryRate));
        }

        RequireAtLeast(MinRepeatedFailures, 2, nameof(MinRepeatedFailures));
        RequireAtLeast(MaxEvidence, 1, nameof(MaxEvidence));
        RequireAtLeast(MaxFindings, 1, nameof(MaxFindings));
        RequireAtLeast(MaxPatterns, 1, nameof(MaxPatterns));
        RequireAtLeast(MinScopes, 1, nameof(MinScopes));
    }

    private static void RequireAtLeast(int value, int minimum, string optionName)
    {
        if (value < minimum)
        {
            throw new ArgumentException(Invariant($"MiningOptions.{optionName} must be at least {minimum}, not {value}."), optionName);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
