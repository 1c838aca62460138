"""Given-name equivalences: Belarusian, Russian, Polish and Western forms and diminutives.

One line per name: the group's key (the Russian formal form, as the group is usually
written in Russian-language records), then, after ``:``, every other spelling that names
the same person: the Belarusian form(s), common Latin spellings (passport, press, Polish,
English), and the everyday diminutives. Spellings that differ only by transliteration
system do not need to be listed: :func:`volia.names.keys.fold` brings them together
already; the table is for forms that fold apart (Аляксандр / Алесь / Саша).

A diminutive shared by two names (Саша: Александр and Александра; Женя: Евгений and
Евгения; Валя: Валентин, Валентина, Валерия) is listed under each; a form may therefore
belong to several groups and two names match when their groups intersect.

Sources: common knowledge of Belarusian and Russian naming (the Belarusian forms follow
the 2008 official orthography, Łacinka forms as used by Nasha Niva and Radio Svaboda);
the male and female lists of ``volia.demo.names`` are all covered.
"""

from __future__ import annotations

MALE = """
Александр: Аляксандр Алесь Алексан Саша Сашка Шура Саня Санька Алик Alexander Alexandr Aleksander
    Aliaksandr Alaksandar Aleś Ales Sasha Sacha Sasza Oleksandr Olek Aleksandras
Сергей: Сяргей Сярожа Серёжа Серж Siarhei Sergei Sergey Sergiusz Siergiej Serhii Serhiy Seryozha Serge
Андрей: Андрэй Андрусь Андрэйка Андрюша Andrei Andrey Andrew Andrzej Andrej Andrii Andriy
Дмитрий: Дзмітрый Зміцер Змітрок Дзіма Дима Митя Dzmitry Dzmitryi Dmitry Dmitri Dmitriy Zmicier Zmitser Dymitr
    Dmytro Dima
Алексей: Аляксей Лёша Алёша Лёха Aliaksei Alexey Alexei Aleksiej Oleksii Alexis Aliaxei Liosha
Павел: Павал Паўлік Паўлюк Паша Павлик Pavel Paul Pavlo Pawel Paweł Pasha Pavał
Николай: Мікалай Мікола Коля Колька Mikalai Mikalaj Nikolai Nikolay Mikola Mikołaj Mykola Nicholas Kolya
Владимир: Уладзімір Уладзімер Валодзя Володя Вова Вовка Uladzimir Vladimir Wladimir Włodzimierz Volodymyr Uladzimier
    Volodya Vova
Виктор: Віктар Віця Вітя Viktar Viktor Victor Wiktor Vitya
Игорь: Ігар Ігарок Игорёк Ihar Igor Ihor Igar
Юрий: Юрый Юра Юрка Юрась Yury Yuri Iury Jury Jurij Yuriy Jerzy Yura
Максим: Максім Макс Максік Maksim Maxim Maksym Max Maks
Егор: Ягор Ягорка Егорка Yahor Yegor Egor Jahor
Роман: Раман Рома Ромка Raman Roman Roma
Артур: Артур Arthur Artur Артурчик
Вадим: Вадзім Вадзік Вадик Vadzim Vadim Wadim
Виталий: Віталь Віталік Виталик Віталій Vital Vitali Vitaly Vitaliy Witali Witalij Vitalik
Евгений: Яўген Яўгеній Жэня Женя Женька Yauhen Yevgeny Evgeny Evgenii Evgeniy Jauhien Eugene Eugeniusz Zhenya
Олег: Алег Алежка Олежка Aleh Oleg Oleh Aleg
Василий: Васіль Вася Васька Vasil Vasily Vasiliy Wasyl Wasilij Bazyli Vasyl Vasia
Иван: Іван Ваня Ванька Івась Ivan Iwan Vanya
Михаил: Міхаіл Міхась Міхал Міша Миша Мішка Mikhail Michail Mikhas Michał Mikhal Michael Mykhailo Misha Michal
Пётр: Пятро Пётра Пеця Петя Петрусь Piotr Pyotr Petr Peter Piatro Pietro Petro Petya
Антон: Антось Антоша Тоша Anton Antoni Antony Antos
Кирилл: Кірыл Кірыла Кирюша Kiryl Kirill Kiril Cyril Kyrylo
Станислав: Станіслаў Стась Стас Стасік Stanislau Stanislav Stanisław Stas Stanislaw
Денис: Дзяніс Дзяніска Дениска Dzianis Denis Denys Dzenis
Владислав: Уладзіслаў Улад Влад Владик Uladzislau Vladislav Władysław Vlad Vladyslav
Геннадий: Генадзь Генадзій Гена Генка Henadz Gennady Gennadiy Gennadi Hienadz Genadz Hena Gena
Валентин: Валянцін Валя Валик Valiantsin Valentin Walenty Valentyn Valia
Анатолий: Анатоль Толя Толик Anatol Anatoly Anatoliy Anatolij Anatoli Tolya
Леонид: Леанід Лёня Лёнька Leanid Leonid Lonia Lenya
Никита: Мікіта Мікітка Mikita Nikita Mykyta
Илья: Ілья Ілля Ілюша Илюша Illia Ilya Ilia Ilja Eliasz Illya
Артём: Арцём Арцёмка Тёма Цёма Artsiom Artyom Artem Artiom Artsem
Константин: Канстанцін Кастусь Косця Костя Костик Kanstantsin Konstantin Konstanty Constantine Kastus Kastuś Kostya
Валерий: Валерый Валера Valery Valeriy Valeri Valer Waleryj Valera Valerii
Григорий: Рыгор Грыша Гриша Ryhor Grigory Grigoriy Hryhory Grzegorz Hryhoryi Grisha
Эдуард: Эдуард Эдзік Эдик Eduard Edward Edik
Тарас: Тарас Taras
Борис: Барыс Боря Barys Boris Borys
Степан: Сцяпан Сцёпа Стёпа Стефан Stsiapan Stepan Stefan Scepan Sciapan Szczepan
Глеб: Глеб Hleb Gleb Hlieb
Франтишек: Францішак Франак Франц Frantsishak Franciszek Frantisek Franz Franak Francišak
Ян: Ян Янук Jan Yan Janek
Вячеслав: Вячаслаў Слава Славік Славик Viachaslau Vyacheslav Wiaczesław Slava Viacheslav
Ярослав: Яраслаў Ярык Ярик Yaraslau Yaroslav Jarosław Jaroslav
Лев: Леў Лёва Leu Lev Lew Leo
Игнат: Ігнат Ігнась Ihnat Ignat Ignacy Ignatius
Мирослав: Міраслаў Mirasłau Miraslau Miroslav Mirosław
Тимофей: Цімафей Цімох Тимоша Tsimafei Timofey Timofei Tymofii Cimafiej
Матвей: Мацвей Мацей Matsvei Matvey Matvei Mateusz Matthew Maciej
Фёдор: Фёдар Хведар Федзя Федя Fiodar Fyodor Fedor Teodor Fiedar Khviedar
Семён: Сямён Сёма Siamion Semyon Semen Siemion Symon
Аркадий: Аркадзь Аркаша Arkadz Arkady Arkadiy Arkadiusz
Георгий: Георгій Жора Heorhi Georgy George Georgii Heorhiy
Марк: Марк Mark Marek
Даниил: Данііл Даніла Данила Даніел Даня Daniil Danila Danil Daniel Danik Dania
Иосиф: Іосіф Язэп Юзаф Юзік Iosif Józef Jozef Joseph Yazep Juzaf
Руслан: Руслан Ruslan
Афанасий: Апанас Afanasy Apanas Atanazy
Леон: Лявон Леон Lavon Lyavon Leon Lavon
Викентий: Вінцэнт Вікенцій Vincent Wincenty Vintsent Vikentiy
Ростислав: Расціслаў Rastsislau Rostislav Rościsław
Всеволод: Усевалад Uzevalad Usevalad Vsevolod
Никодим: Нікадзім Nikadzim Nikodim
Вениамин: Веніямін Веня Veniamin Veniyamin
Эрик: Эрык Eryk Erik Eric
Ефим: Яхім Яфім Yakhim Yefim Efim Joachim
Яков: Якаў Якуб Yakau Yakov Jakub Jacob Jakab
Лука: Лукаш Luka Lukasz Łukasz
Тихон: Ціхан Tsikhan Tikhon
Захар: Захар Zakhar Zachar
Назар: Назар Nazar
Зиновий: Зіновій Зянон Зенон Zianon Zenon Zinoviy
"""

FEMALE = """
Ольга: Вольга Воля Оля Олечка Volha Olga Olha Wolha Olya Olia
Татьяна: Тацяна Таццяна Таня Танька Tatsiana Tatiana Tatyana Taciana Tania Tanya Tatsyana
Светлана: Святлана Света Светка Sviatlana Svetlana Swietłana Sveta Sviata
Елена: Алена Алёна Алёнка Олена Лена Alena Elena Yelena Helena Helen Lena Alyona Alionka Olena Hełena Jelena
Наталья: Наталля Наталия Наташа Ната Natallia Natalia Natalya Natalie Natasha Natalla Natalija
Ирина: Ірына Іра Ира Ірка Iryna Irina Irene Ira
Мария: Марыя Маша Маня Марыля Marya Maryia Maria Mariya Marija Masha Mary Marylia
Анна: Ганна Аня Анюта Ганулька Hanna Anna Anya Ann Ania Hannah Ganna
Юлия: Юлія Юля Yulia Julia Yuliya Juliya Yulya Julija
Екатерина: Кацярына Каця Катя Катька Кася Katsiaryna Ekaterina Yekaterina Katarzyna Catherine Katerina Katya Kasia
    Katsia Kaciaryna
Виктория: Вікторыя Віка Вика Viktoryia Victoria Viktoria Wiktoria Vika
Дарья: Дар'я Дар’я Даша Daria Darya Daryia Dasha Darja
Анастасия: Анастасія Настя Насця Anastasia Anastasiya Anastasija Nastya Nastia Nastsia Anastazja
Ксения: Ксенія Ксюша Ксеня Ksenia Kseniya Xenia Kseniia Ksiusha
Людмила: Людміла Люда Мила Liudmila Lyudmila Ludmila Ludmiła Liuda Luda
Валентина: Валянціна Валя Valiantsina Valentina Walentyna Valia Valya
Галина: Галіна Галя Halina Galina Halia Galya
Надежда: Надзея Надзя Надя Nadzeya Nadzeia Nadezhda Nadzieja Nadia Nadya Nadzia
Марина: Марына Марынка Maryna Marina
Олеся: Алеся Леся Alesia Olesya Alesya Olesia Lesya Alesia
Вероника: Вераніка Ніка Veranika Veronika Weronika Nika
Алла: Ала Ala Alla
Жанна: Жанна Zhanna
Елизавета: Лізавета Ліза Лиза Lizaveta Elizaveta Elizabeth Elżbieta Liza Yelizaveta
Кристина: Крысціна Крыся Krystsina Kristina Krystyna Christina Kryscina
Полина: Паліна Поля Palina Polina Pola
Оксана: Аксана Ксана Aksana Oksana
Лидия: Лідзія Ліда Лида Lidzia Lidia Lidiya Lidziya Lida
Инга: Інга Inga
Яна: Яна Yana Jana
Зоя: Зоя Zoya Zoja
Нина: Ніна Nina
Маргарита: Маргарыта Рыта Рита Marharyta Margarita Małgorzata Rita
Вера: Вера Vera Wiera Viera Viera
Любовь: Любоў Люба Liubou Lyubov Lubov Luba Liuba
Тамара: Тамара Tamara
Раиса: Раіса Рая Raisa Raya
Лариса: Ларыса Лара Larysa Larisa Lara
Диана: Дзіяна Dziyana Diana Dzijana
Евгения: Яўгенія Жэня Женя Yauheniya Evgeniya Yevgeniya Eugenia Zhenya Jauhienija
Александра: Аляксандра Саша Аляксандрына Aliaksandra Alexandra Aleksandra Sasha Alaksandra
Валерия: Валерыя Лера Валя Valeryia Valeria Valeriya Lera
Эльвира: Эльвіра Elvira
Алина: Аліна Alina
Ангелина: Ангеліна Anhelina Angelina
Карина: Карына Karyna Karina
Майя: Мая Maya Maja
Римма: Рыма Ryma Rimma
Регина: Рэгіна Regina Rehina
Снежана: Сняжана Sniazhana Snezhana
Софья: Сафія Соф'я Соня Sofia Sofya Safiya Sonia Zofia
Ульяна: Ульяна Уля Ulyana Uliana
Эмилия: Эмілія Emilia Emiliya
Стефания: Стэфанія Stefania Stefaniya
Ядвига: Ядвіга Jadwiga Yadviga Yadviha
Станислава: Станіслава Stanislava Stanisława
Людвика: Людвіка Ludwika Liudvika
Антонина: Антаніна Тоня Antanina Antonina Tonia
Зинаида: Зінаіда Зіна Zinaida Zina
Инна: Іна Inna Ina
Евдокия: Аўдоцця Дуня Audotsia Yevdokiya
Фаина: Фаіна Faina
Кира: Кіра Kira
Милана: Мілана Milana
Василиса: Васіліса Vasilisa Vasilisa
"""
