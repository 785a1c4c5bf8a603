Console.WriteLine(BanStudio.Training.Probe.Run());
