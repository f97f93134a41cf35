namespace Dreaming;

/// <summary>Where an <see cref="Insight"/> came from.</summary>
public enum InsightSource
{
    /// <summary>Written from statistics over sessions, without a model.</summary>
    Mined = 0,

    /// <summary>Proposed by a reflector model from sessions and findings.</summary>
    Reflected = 1,

    /// <summary>Written or changed by a person.</summary>
    Human = 2,
}
