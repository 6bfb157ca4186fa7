package pdqg

// conceptLexicon maps the vocabulary that the task categories use (finance
// summaries, research, data, design, code, writing, product texts) across
// English | French | German | Spanish | Portuguese | Italian. One concept a
// line; words are matched by their folded six-letter stem, so one inflected
// form usually covers the others ("margen" covers "márgenes"), and words
// that share a stem need not be listed twice. Matching through it counts
// only when the delivery is in another language than the text it is
// matched against: in one language, synonyms are not the task's terms.
const conceptLexicon = `
summary summaries synopsis overview | résumé synthèse aperçu | Zusammenfassung Überblick | resumen síntesis | resumo síntese | riassunto sintesi
report reports | rapport rapports | Bericht Berichte | informe informes reporte | relatório relatórios | rapporto relazione
quarter quarterly quarters | trimestre trimestriel trimestrielle trimestriels | Quartal Quartals Quartalsbericht Quartalszahlen vierteljährlich | trimestre trimestral trimestrales | trimestre trimestral trimestrais | trimestre trimestrale trimestrali
earnings profit profits results | résultats bénéfice bénéfices | Ergebnis Ergebnisse Gewinn Gewinne | resultados ganancias beneficio beneficios | resultados lucro lucros | risultati utile utili profitto
revenue revenues turnover sale sales | recettes revenus ventes | Umsatz Umsätze Erlöse Einnahmen | ingresos ventas | receita receitas vendas | ricavi vendite entrate
margin margins | marge marges | Marge Margen | margen márgenes | margem margens | margine margini
growth grow grew grown increase increased rise rose | croissance hausse augmentation progression | Wachstum Anstieg Zuwachs gestiegen wachsen stieg | crecimiento aumento alza creció | crescimento cresceu | crescita incremento cresciuto
decline declined decrease fall fell drop | baisse recul diminution chute | Rückgang Abnahme gesunken sank | caída descenso disminución bajada | queda diminuição | calo diminuzione flessione
guidance outlook forecast forecasts | prévision prévisions perspectives | Prognose Prognosen Ausblick | previsión previsiones perspectivas | previsão previsões | previsioni prospettive
segment segments | segment secteur secteurs | Segment Segmente Sparte Sparten | segmento segmentos división | segmento segmentos | segmento segmenti divisione
performance | performances | Leistung Performance | rendimiento desempeño | desempenho | andamento prestazioni
cost costs expense expenses spending | coût coûts dépenses charges | Kosten Ausgaben Aufwand | costo costos coste costes gastos | custo custos despesas | costi spese
cash | trésorerie liquidités | Cashflow Liquidität | caja efectivo | caixa | cassa liquidità
year years annual yearly | année années annuel annuelle | Jahr Jahre Jahres jährlich | año años anual | ano anos | anno anni annuale
month months monthly | mois mensuel mensuelle | Monat Monate Monats monatlich | mes meses mensual | mês mensal | mese mesi mensile
week weeks weekly | semaine semaines hebdomadaire | Woche Wochen wöchentlich | semana semanas semanal | semanal | settimana settimane settimanale
day days daily | jour jours quotidien | Tag Tage täglich | día días diario | dia dias diário | giorno giorni quotidiano
hour hours | heure heures | Stunde Stunden | hora horas | | ore
minute minutes | | Minute Minuten | minuto minutos | | minuti
customer customers client clients | clientèle | Kunde Kunden | cliente clientes | | clienti
market markets | marché marchés | Markt Märkte | mercado mercados | | mercato mercati
company companies business firm | entreprise entreprises société | Unternehmen Firma | empresa empresas compañía | companhia | azienda aziende impresa
price prices pricing | prix tarif tarifs | Preis Preise | precio precios | preço preços | prezzo prezzi
product products productive productivity | produit produits productif productive productivité | Produkt Produkte produktiv Produktivität | producto productos productivo productividad | produto produtos produtivo produtividade | prodotto prodotti produttivo produttività
service services | | Dienst Dienste Dienstleistung | servicio servicios | serviço serviços | servizio servizi
launch launched | lancement lancer | Einführung Marktstart | lanzamiento lanzar | lançamento lançar | lancio lanciare
risk risks | risque risques | Risiko Risiken | riesgo riesgos | risco riscos | rischio rischi
currency currencies | devise devises | Währung Währungen Wechselkurs | divisa divisas moneda | moeda moedas câmbio | valuta valute
shareholder shareholders | actionnaire actionnaires | Aktionär Aktionäre | inversor inversores accionista accionistas | acionista acionistas | azionista azionisti
billion billions | milliard milliards | Milliarde Milliarden Mrd | | bilhão bilhões | miliardo miliardi
million millions | | Million Millionen Mio | millón millones | milhão milhões | milione milioni
percent percentage | pourcentage | Prozent Prozentpunkte | porcentaje | percentagem porcentagem | percentuale
analysis analyse analyze | analyser | analysieren | análisis analizar | análise analisar | analisi analizzare
management manager managers | direction dirigeants responsable responsables | Vorstand Führungskraft Führungskräfte Manager | dirección gerencia gerente gerentes | gestão direção gestor gestores | direzione dirigenti responsabile responsabili
strategy strategies | stratégie | Strategie | estrategia | estratégia | strategia
demand | demande | Nachfrage | demanda | procura | domanda
debt | dette endettement | Schulden Verschuldung | deuda | dívida | debito debiti
dividend dividends | dividende dividendes | Dividende | dividendo dividendos | | dividendi
research study studies | recherche étude études | Forschung Recherche Studie Studien | investigación estudio estudios | pesquisa estudo estudos | ricerca studio studi
data dataset datasets | données | Daten | datos | dados | dati
source sources | | Quelle Quellen | fuente fuentes | fonte fontes | fonti
adoption uptake spread | diffusion déploiement | Verbreitung | adopción difusión implantación | adoção difusão | adozione diffusione
policy policies political | politique politiques | Politik politisch politische politischen | política políticas | | politica politiche
driver drivers factor factors | facteur facteurs moteur moteurs | Treiber Faktor Faktoren | factores impulsor impulsores | fator fatores | fattore fattori
subsidy subsidies grant grants incentive incentives | subvention subventions prime primes | Förderung Zuschuss Zuschüsse Subvention | subvención subvenciones incentivo incentivos | subsídio subsídios | sussidio sussidi incentivi
tax taxes | taxe taxes impôt impôts | Steuer Steuern | impuesto impuestos | taxa taxas | tassa
government governments | gouvernement | Regierung Staat | gobierno | governo |
country countries | pays | Land Länder | país países | | paese paesi
region regions regional | région régions | Region Regionen | región regiones | região regiões | regione regioni regionale
energy | énergie | Energie | energía | |
electricity electric electrical power | électricité électrique | Strom Elektrizität elektrisch | electricidad eléctrico eléctrica | eletricidade elétrico elétrica | elettricità elettrico elettrica
heat heating | chaleur chauffage | Wärme Heizung heizen | calor calefacción | aquecimento | calore riscaldamento
pump pumps | pompe pompes | Pumpe Pumpen Wärmepumpe Wärmepumpen | bomba bombas | |
household households home homes residential dwelling dwellings | foyer foyers ménage ménages logement logements résidentiel | Haushalt Haushalte Haushalten Wohngebäude Wohnung Wohnungen | hogar hogares vivienda viviendas residencial | domicílio domicílios residência habitação | famiglia famiglie abitazione abitazioni residenziale
emission emissions | émission émissions | Emission Emissionen Ausstoß | emisión emisiones | emissão emissões | emissione emissioni
climate | climat | Klima | clima | |
trend trends | tendance tendances | Entwicklung Entwicklungen | tendencia tendencias | tendência tendências | tendenza tendenze
statistics statistic statistical | statistique statistiques | Statistik Statistiken | estadística estadísticas | estatística estatísticas | statistica statistiche
survey surveys | enquête sondage | Umfrage Erhebung | encuesta encuestas | inquérito | sondaggio indagine
population | | Bevölkerung | población | população | popolazione
europe european | européen européenne européens | Europa europäisch europäische europäischen | europeo europea | europeu europeia | europei
north northern nordic | nord nordique nordiques | Nordeuropa nördlich nordisch nordischen | norte nórdico nórdicos | nórdicos | nordico nordici
south southern | sud | Süden Südeuropa südlich | sur | sul | meridionale
norway norwegian | norvège norvégien | Norwegen norwegisch | noruega noruego | norueguês | norvegia norvegese
sweden swedish | suède suédois | Schweden schwedisch | suecia sueco | suécia | svezia svedese
finland finnish | finlande finlandais | Finnland finnisch | finlandia finlandés | finlândia | finlandese
denmark danish | danemark danois | Dänemark dänisch | dinamarca danés | | danimarca danese
germany | allemagne | Deutschland | alemania | alemanha | germania
france | | Frankreich | francia | frança |
spain | espagne | Spanien | españa | espanha | spagna
italy | italie | | | itália |
portugal | | | | | portogallo
japan | japon | | japón | japão | giappone
china | chine | | | | cina
switzerland | suisse | Schweiz | suiza | suíça | svizzera
austria | autriche | Österreich | | áustria |
belgium | belgique | Belgien | bélgica | | belgio
poland | pologne | Polen | polonia | polónia |
mexico | mexique | Mexiko | méxico | |
brazil | brésil | Brasilien | brasil | | brasile
table tables | tableau tableaux | Tabelle Tabellen | tabla tablas cuadro | tabela tabelas quadro | tabella
total totals sum | totaux somme | Summe Gesamt insgesamt Gesamtsumme | totales suma | totais soma | totale totali somma
average mean | moyenne | Durchschnitt durchschnittlich Mittelwert | promedio media | média | medio
duplicate duplicates duplicated deduplicate deduplication dedupe | doublon doublons dupliqué dédoublonnage dédoublonner | Duplikat Duplikate Dublette Dubletten doppelt | duplicado duplicados | duplicata | duplicato duplicati
missing | manquant manquants manquante manquantes | fehlend fehlende fehlenden | faltante faltantes ausente | ausentes | mancante mancanti
format formats formatting | | Format Formate | formato formatos | | formati
row rows line lines | ligne lignes | Zeile Zeilen | fila filas | linha linhas | riga righe
column columns | colonne colonnes | Spalte Spalten | columna columnas | coluna colunas | colonna
file files | fichier fichiers | Datei Dateien | archivo archivos fichero | arquivo arquivos ficheiro | archivio
value values | valeur valeurs | Wert Werte | valor valores | | valore valori
clean cleaning cleaned | nettoyer nettoyage nettoyé nettoyées | bereinigen Bereinigung bereinigt | limpiar limpieza | limpar limpeza | pulire pulizia
error errors bug bugs defect | erreur erreurs bogue | Fehler | errores fallo fallos | erro erros falha falhas | errore errori difetto
design designs | conception maquette | Gestaltung Entwurf | diseño diseños | projeto | progettazione
layout | disposition agencement | Aufbau Anordnung | | |
page pages | | Seite Seiten | página páginas | | pagina pagine
screen screens | écran écrans | Bildschirm Bildschirme | pantalla pantallas | ecrã tela | schermata schermo
settings setting preferences configuration | paramètres réglages préférences | Einstellungen Einstellung | ajustes configuración preferencias | configurações definições | impostazioni preferenze
user users | utilisateur utilisateurs utilisatrices usager | Benutzer Nutzer Nutzerin Nutzende | usuario usuarios | usuário usuários utilizador utilizadores | utente utenti
button buttons | bouton boutons | Schaltfläche Schaltflächen Taste | botón botones | botão botões | pulsante pulsanti
menu menus navigation | | Menü | menú navegación | navegação | navigazione
security secure | sécurité sécurisé | Sicherheit sicher | seguridad seguro | segurança | sicurezza sicuro
password passwords | | Passwort Kennwort | | senha | password
notification notifications alert alerts | alerte alertes | Benachrichtigung Benachrichtigungen Hinweis Hinweise | aviso avisos alerta alertas | | notifica notifiche avviso avvisi
accessibility accessible | accessibilité | Barrierefreiheit barrierefrei Zugänglichkeit | accesibilidad accesible | acessibilidade acessível | accessibilità accessibile
mobile phone smartphone | téléphone portable | mobil Handy Mobiltelefon | móvil teléfono celular | telemóvel telefone móvel | cellulare telefono
app apps application applications | appli | App Apps Anwendung Anwendungen | aplicación aplicaciones | aplicativo aplicação | applicazione
bank banks banking | banque bancaire | Banken | banco bancario bancaria | bancário | banca bancari
account accounts | compte comptes | Konto Konten | cuenta cuentas | conta contas | conto conti
privacy | confidentialité | Datenschutz Privatsphäre | privacidad | privacidade | riservatezza
option options choice | choix | Optionen Auswahl | opción opciones | opção opções | opzione opzioni
interaction interactions | | Interaktion Bedienung | interacción | interação | interazione
color colour colors colours | couleur couleurs | Farbe Farben | colores | cor cores | colore colori
contrast | contraste | Kontrast | | | contrasto
icon icons | icône icônes | Symbol Symbole | icono iconos | ícone ícones | icona icone
section sections | rubrique rubriques | Abschnitt Abschnitte Bereich | sección secciones apartado | seção secção | sezione sezioni
authentication biometric login | authentification biométrique connexion | Anmeldung Authentifizierung biometrisch | autenticación biométrico | autenticação | autenticazione biometrica
transfer transfers payment payments | virement virements paiement paiements | Überweisung Überweisungen Zahlung Zahlungen | transferencia transferencias pago pagos | transferência pagamento pagamentos | bonifico bonifici pagamenti
card cards | carte cartes | Karte Karten | tarjeta tarjetas | cartão cartões | carta
code | | Quellcode | código | | codice
function functions | fonction fonctions | Funktion Funktionen | función funciones | função funções | funzione funzioni
test tests testing | | testen | prueba pruebas | teste testes | prova
slice array arrays | | Array Arrays | arreglo | | vettore
sort sorted sorting | trié triée trier tri | | ordenado ordenada ordenar | | ordinato ordinare
complexity | complexité | Komplexität | complejidad | complexidade | complessità
input inputs | entrée entrées | Eingabe | entrada | |
output outputs | sortie | | salida | saída | uscita
memory | mémoire | Speicher | memoria | memória |
speed fast faster | vitesse rapide | Geschwindigkeit schnell | velocidad rápido | velocidade | velocità veloce
blog blogs | billet | Blogbeitrag | | |
post posts article articles | | Artikel Beitrag Beiträge | artículo artículos | artigo artigos | articolo articoli
habit habits routine routines | habitude habitudes | Gewohnheit Gewohnheiten Routine Routinen | hábito hábitos rutina rutinas | rotina rotinas | abitudine abitudini
team teams | équipe équipes | Team Teams | equipo equipos | equipa equipas | squadra squadre gruppo
remote distributed | télétravail distance distribué distribuée distribuées | verteilt verteilte verteilten Homeoffice Fernarbeit | remoto remotos distribuido distribuidos | remota remotas distribuída distribuídas | remoti distribuito distribuiti
meeting meetings | réunion réunions | Besprechung Besprechungen Meeting Meetings | reunión reuniones | reunião reuniões | riunione riunioni
engineer engineers engineering | ingénieur ingénieurs ingénierie | Ingenieur Ingenieure Ingenieurinnen Engineering | ingeniero ingenieros ingeniería | engenheiro engenheiros engenharia | ingegnere ingegneri ingegneria
example examples | exemple exemples | Beispiel Beispiele | ejemplo ejemplos | exemplo exemplos | esempio esempi
practical practice practices | pratique pratiques | praktisch praktische Praxis | práctico práctica prácticas | prático prática práticas | pratico pratica pratiche
communication communicate | | Kommunikation kommunizieren | comunicación comunicar | comunicação | comunicazione comunicare
time | temps | Zeit Zeiten | tiempo | tempo |
timezone timezones zone zones | fuseau fuseaux | Zeitzone Zeitzonen | zona zonas | fuso fusos | fusi
documentation | | Dokumentation Dokument Dokumente | documentación documento documentos | documentação | documentazione
decision decisions | décision décisions | Entscheidung Entscheidungen | decisión decisiones | decisão decisões | decisione decisioni
feedback review reviews | retour retours avis relecture relectures revue revues | Rückmeldung Review Reviews | revisión revisiones comentarios | revisão revisões | revisione revisioni
tool tools | outil outils | Werkzeug Werkzeuge Tool Tools | herramienta herramientas | ferramenta ferramentas | strumento strumenti
goal goals objective objectives | objectif objectifs | Ziel Ziele | objetivo objetivos meta metas | | obiettivo obiettivi
work working | travail travailler | Arbeit arbeiten | trabajo trabajar | trabalho trabalhar | lavoro lavorare
announcement announcements announce | annonce annonces annoncer | Ankündigung ankündigen Mitteilung | anuncio anunciar | anúncio | annuncio annunciare
thermostat thermostats | | Thermostat Thermostate | termostato termostatos | | termostati
smart connected intelligent | connecté connectée | vernetzt vernetzte vernetzten | inteligente conectado | | intelligente connesso
website websites site | | Webseite Website Internetseite | sitio | sítio | sito
install installation installed installing | installer installé | installieren Einbau | instalación instalar | instalação | installazione installare
available availability | disponible disponibilité | verfügbar erhältlich | disponibilidad | disponível | disponibile
compatible compatibility | compatibilité | kompatibel Kompatibilität | | compatível | compatibile
feature features | | Merkmal Merkmale | característica características | recurso recursos | caratteristica caratteristiche
update updates | | Aktualisierung Aktualisierungen Update Updates | actualización actualizaciones | atualização atualizações | aggiornamento aggiornamenti
battery batteries | batterie batteries | Akku Akkus Batterie | batería baterías | bateria baterias | batteria batterie
device devices | appareil appareils | Gerät Geräte | aparato aparatos | aparelho aparelhos |
schedule schedules | planning horaire horaires | Zeitplan Tagesablauf | horario horarios | horário horários | orario orari
weather | météo | Wetter | | | meteo
bill bills invoice invoices | facture factures | Rechnung Rechnungen Heizkosten | factura facturas | fatura faturas | bolletta bollette fattura fatture
saving savings save cut cuts reduce reduces reduced reduction | économie économies économiser réduire réduit réduction | Einsparung Einsparungen sparen senken senkt | ahorro ahorra ahorrar reducir reduce reducción | poupança poupar reduzir reduz redução | risparmio risparmiare ridurre riduce riduzione
email emails message messages | courriel courriels e-mail | E-Mail Nachricht Nachrichten | correo mensaje mensajes | mensagem mensagens | messaggio messaggi
order orders | commande commandes | Bestellung Bestellungen Auftrag | pedido pedidos | encomenda encomendas | ordine ordini
delivery shipping | livraison expédition | Lieferung Versand | entrega envío | envio | consegna spedizione
support help | assistance aide | Hilfe Unterstützung | soporte ayuda asistencia | suporte ajuda | assistenza supporto aiuto
quality | qualité | Qualität | calidad | qualidade | qualità
problem problems issue issues | problème problèmes | Problem Probleme | problema problemas | | problemi
solution solutions | | Lösung Lösungen | solución soluciones | solução soluções | soluzione soluzioni
improve improvement improvements | améliorer amélioration améliorations | verbessern Verbesserung Verbesserungen | mejorar mejora mejoras | melhorar melhoria melhorias | migliorare miglioramento miglioramenti
new | nouveau nouvelle nouveaux nouvelles | neu neue neuen neuer | nuevo nueva nuevos nuevas | novo nova novos novas | nuovo nuova nuovi nuove
employee employees staff | employé employés salarié salariés personnel | Mitarbeiter Mitarbeiterin Mitarbeitende Beschäftigte | empleado empleados plantilla | colaborador colaboradores | dipendente dipendenti personale
training onboarding | intégration | Einarbeitung Schulung Schulungen | formación incorporación | formação integração | formazione inserimento
boiler boilers | chaudière chaudières | Kessel Heizkessel Ölkessel | caldera calderas | caldeira caldeiras | caldaia caldaie
export exports exporting | exporter | Export Exporte exportieren | exportar | exportar | esportazione esportazioni esportare
warranty guarantee | garantie | Garantie Gewährleistung | garantía | garantia | garanzia
parcel package | colis paquet | Paket Pakete | paquete | pacote | pacco
warehouse | dépôt | Lager Lagerhaus | almacén | armazém | magazzino
free | gratuit gratuite gratuits | gratis | gratuito gratuita | gratuita | gratuito gratuiti
two | deux | zwei | dos | dois duas | due
three | trois | drei | tres | três | tre
four | quatre | vier | cuatro | quatro | quattro
five | cinq | fünf | cinco | | cinque
six | | sechs | seis | | sei
seven | sept | sieben | siete | sete | sette
eight | huit | acht | ocho | oito | otto
ten | dix | zehn | diez | dez | dieci
january | janvier | Januar | enero | janeiro | gennaio
february | février | Februar | febrero | fevereiro | febbraio
march | mars | März | marzo | março |
may | mai | Mai | mayo | maio | maggio
april | avril | | abril | | aprile
june | juin | Juni | junio | junho | giugno
july | juillet | Juli | julio | julho | luglio
august | août | | agosto | |
september | septembre | | septiembre | setembro | settembre
october | octobre | Oktober | octubre | outubro | ottobre
november | novembre | | noviembre | novembro |
december | décembre | Dezember | diciembre | dezembro | dicembre
`
