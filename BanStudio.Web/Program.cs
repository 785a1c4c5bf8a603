Console.WriteLine("BanStudio");
