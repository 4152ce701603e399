using System.Globalization;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// Reads a mode's options ("--name value" and flags) into its options record, one argument at a
/// time. On a mistake it prints what is wrong and the usage, and the mode exits with code 2.
/// </summary>
public sealed class BenchArgs
{
    private readonly string[] _args;
    private int _index;

    private BenchArgs(string[] args) => _args = args;

    /// <summary>The value after the current option.</summary>
    public string Next() => _index + 1 < _args.Length ? _args[++_index] : throw new ArgumentException($"{_args[_index]} needs a value");

    /// <summary>The whole number after the current option, at least <paramref name="min"/>.</summary>
    public int Count(int min)
    {
        var name = _args[_index];
        return int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value : throw new ArgumentException($"{name} needs a whole number of at least {min}");
    }

    /// <summary>Applies <paramref name="apply"/> to each argument in turn; null (after printing why) when one is wrong.</summary>
    public static T? Parse<T>(string[] args, T options, string usage, Func<T, string, BenchArgs, T> apply) where T : class
    {
        var reader = new BenchArgs(args);
        try
        {
            for (reader._index = 0; reader._index < args.Length; reader._index++)
                options = apply(options, args[reader._index], reader);
            return options;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(usage);
            return null;
        }
    }

    public static ArgumentException Unknown(string name) => new($"unknown option {name}");
}
